"""IVR: flows as versioned JSON data, their validation, an interpreter and a text simulator."""
