"""People (pseudonymous), cases with a lead agency, referrals and case conferences."""
