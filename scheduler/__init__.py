"""Background jobs on APScheduler: feeds, the broadcast dispatcher, reminders."""
