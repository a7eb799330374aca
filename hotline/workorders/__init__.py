"""Work orders (工单): lifecycle state machine, numbers, deadlines on the Chinese working-day
calendar, supervision sweep, return visits, Chinese text search and assistance."""
