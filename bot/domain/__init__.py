"""The city's rules as plain services taking a session and values; no channel knows them."""
