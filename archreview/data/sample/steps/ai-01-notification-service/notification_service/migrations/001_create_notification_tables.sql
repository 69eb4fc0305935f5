-- Notification service schema (own database, see docker-compose.yml).

CREATE TABLE IF NOT EXISTS notification_records (
    id            SERIAL PRIMARY KEY,
    user_id       INTEGER      NOT NULL,
    message       TEXT         NOT NULL,
    priority      VARCHAR(16)  NOT NULL DEFAULT 'normal',
    status        VARCHAR(16)  NOT NULL DEFAULT 'pending',
    metadata_json JSONB        NOT NULL DEFAULT '{}'::jsonb,
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT now(),
    delivered_at  TIMESTAMPTZ
);

CREATE INDEX IF NOT EXISTS ix_notification_records_user_id ON notification_records (user_id);

CREATE TABLE IF NOT EXISTS notification_deliveries (
    id              SERIAL PRIMARY KEY,
    notification_id INTEGER NOT NULL REFERENCES notification_records (id) ON DELETE CASCADE,
    channel         VARCHAR(32) NOT NULL,
    attempted_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    succeeded       BOOLEAN NOT NULL
);

CREATE TABLE IF NOT EXISTS event_store (
    position    BIGSERIAL PRIMARY KEY,
    stream_id   VARCHAR(120) NOT NULL,
    version     INTEGER      NOT NULL,
    event_type  VARCHAR(80)  NOT NULL,
    payload     JSONB        NOT NULL,
    recorded_at TIMESTAMPTZ  NOT NULL DEFAULT now(),
    UNIQUE (stream_id, version)
);
