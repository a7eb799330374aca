"""A toy domain that joins hotline through its plug-in alone (no central file names it)."""
