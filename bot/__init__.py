"""The Poznań city bot: residents talk to the city on Telegram in Polish or English."""
