"""Workforce (排班 / 值班): forecast, Erlang staffing, rosters, duty roster, shift handover, adherence."""
