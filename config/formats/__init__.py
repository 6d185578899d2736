"""Date formats that replace Django's en-GB ones (``FORMAT_MODULE_PATH``)."""
