"""Emergency modes (一键应急) and what they collect: switched on by a supervisor, applied to calls."""
