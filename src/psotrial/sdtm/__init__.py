"""SDTM tabulation datasets (SDTMIG 3.4), built from captured data and the protocol. PURE."""
