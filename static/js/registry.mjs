// Start GOV.UK Frontend and MOJ Frontend components on every page (loaded as a module, so
// browsers without ES modules get the plain HTML, which works on its own).
import { initAll as initGovuk } from "../vendor/govuk-frontend/govuk-frontend.min.js";
import { initAll as initMoj } from "../vendor/moj-frontend/moj-frontend.min.js";

initGovuk();
initMoj();
