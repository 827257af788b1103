-- The person's zone and digest time (the daily digest is built at that local time) and their
-- Telegram chat; unset means the server's defaults.
ALTER TABLE tenant_settings ADD COLUMN timezone TEXT;
ALTER TABLE tenant_settings ADD COLUMN digest_time TEXT;
ALTER TABLE tenant_settings ADD COLUMN telegram_chat_id TEXT;
