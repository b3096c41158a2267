"""Channels render `Reply` objects for a medium and turn its input into `Inbound`: Telegram, terminal."""
