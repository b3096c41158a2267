"""HTTP surfaces on aiohttp: the Telegram webhook and health now; staff panel and Open311 later."""
