// Start GOV.UK Frontend and MOJ Frontend components on every page (loaded as a module, so
// browsers without ES modules get the plain HTML, which works on its own).
import { createAll, initAll as initGovuk } from "../vendor/govuk-frontend/govuk-frontend.min.js";
import {
  FilterToggleButton,
  initAll as initMoj,
} from "../vendor/moj-frontend/moj-frontend.min.js";

initGovuk();
initMoj();
// MOJ's initAll leaves out the filter's show/hide button; without it the filter panel covers
// small screens (and 400% zoom) with no way to close it.
createAll(FilterToggleButton);
