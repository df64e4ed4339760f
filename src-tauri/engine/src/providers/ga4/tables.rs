//! GA4's tables: one row per property and day (and channel, or landing page), in the
//! property's own calendar date. Values come as strings; revenue is kept in the currency's
//! minor unit, exactly. `quality` holds the day's flags (sampled, thresholded, "(other)").

use crate::connector::{Day, Table};

pub(super) static DAILY: Table = Table {
    name: "ga4_daily",
    key: &["date"],
    columns: &[
        "date",
        "sessions",
        "total_users",
        "new_users",
        "engaged_sessions",
        "key_events",
        "revenue",
        "currency",
        "quality",
    ],
    days: &[Day::Date("date")],
    watch: &[
        "sessions",
        "total_users",
        "new_users",
        "engaged_sessions",
        "key_events",
        "revenue",
        "currency",
        "quality",
    ],
};

pub(super) static CHANNELS: Table = Table {
    name: "ga4_channels_daily",
    key: &["date", "channel"],
    columns: &[
        "date",
        "channel",
        "sessions",
        "engaged_sessions",
        "key_events",
        "quality",
    ],
    days: &[Day::Date("date")],
    watch: &["sessions", "engaged_sessions", "key_events", "quality"],
};

pub(super) static LANDING_PAGES: Table = Table {
    name: "ga4_landing_pages_daily",
    key: &["date", "landing_page"],
    columns: &["date", "landing_page", "sessions", "key_events", "quality"],
    days: &[Day::Date("date")],
    watch: &["sessions", "key_events", "quality"],
};
