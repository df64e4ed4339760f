//! Stripe's metrics: what each counts and how its days roll up from Stripe's tables, and the widgets
//! a dashboard starts with.

use crate::connector::{Aggregation, Day, DefaultWidget, Metric, Rollup, Split, Unit};

/// A subscription's prices, normalised to one month, in minor units: every item's unit amount
/// × its quantity, yearly ÷ 12, weekly × 52 ÷ 12, daily × 365 ÷ 12, ÷ the interval count. A
/// subscription of an older API shape, without items, has one `plan` and a top-level quantity.
const MONTHLY_AMOUNT: &str = "COALESCE(\
       (SELECT SUM(json_extract(i.value, '$.price.unit_amount') \
          * COALESCE(json_extract(i.value, '$.quantity'), 1) \
          * CASE json_extract(i.value, '$.price.recurring.interval') \
              WHEN 'day' THEN 365.0 / 12 WHEN 'week' THEN 52.0 / 12 WHEN 'year' THEN 1.0 / 12 ELSE 1.0 END \
          / MAX(COALESCE(json_extract(i.value, '$.price.recurring.interval_count'), 1), 1)) \
        FROM json_each(raw, '$.items.data') AS i), \
       json_extract(raw, '$.plan.amount') * COALESCE(json_extract(raw, '$.quantity'), 1) \
          * CASE json_extract(raw, '$.plan.interval') \
              WHEN 'day' THEN 365.0 / 12 WHEN 'week' THEN 52.0 / 12 WHEN 'year' THEN 1.0 / 12 ELSE 1.0 END \
          / MAX(COALESCE(json_extract(raw, '$.plan.interval_count'), 1), 1))";

/// When a subscription stopped: Stripe sets `ended_at`; a cancellation without it ended
/// when it was cancelled.
const SUBSCRIPTION_END: &str =
    "COALESCE(ended_at, CASE WHEN status IN ('canceled', 'incomplete_expired') THEN canceled_at END)";

pub(super) static METRICS: &[Metric] = &[
    Metric {
        key: "stripe.gross_volume",
        label: "Gross volume",
        description: "Amount of successful charges, by the day they were made.",
        unit: Unit::Money,
        aggregation: Aggregation::Sum,
        split: Split::Currency,
        lower_is_better: false,
        rollup: Rollup::Flow {
            table: "stripe_charges",
            time: Day::Millis("created"),
            dim: "currency",
            value: "SUM(amount)",
            weight: "0",
            filter: "status = 'succeeded'",
            parts: None,
        },
    },
    Metric {
        key: "stripe.net_volume",
        label: "Net volume",
        description: "Successful charges minus what was refunded of them, by the day of the charge.",
        unit: Unit::Money,
        aggregation: Aggregation::Sum,
        split: Split::Currency,
        lower_is_better: false,
        rollup: Rollup::Flow {
            table: "stripe_charges",
            time: Day::Millis("created"),
            dim: "currency",
            value: "SUM(amount - amount_refunded)",
            weight: "0",
            filter: "status = 'succeeded'",
            parts: None,
        },
    },
    Metric {
        key: "stripe.refunds",
        label: "Refunds",
        description: "Amount refunded, by the day of the refunded charge.",
        unit: Unit::Money,
        aggregation: Aggregation::Sum,
        split: Split::Currency,
        lower_is_better: true,
        rollup: Rollup::Flow {
            table: "stripe_charges",
            time: Day::Millis("created"),
            dim: "currency",
            value: "SUM(amount_refunded)",
            weight: "0",
            filter: "amount_refunded > 0",
            parts: None,
        },
    },
    Metric {
        key: "stripe.successful_charges",
        label: "Successful charges",
        description: "Charges that succeeded.",
        unit: Unit::Count,
        aggregation: Aggregation::Sum,
        split: Split::None,
        lower_is_better: false,
        rollup: Rollup::Flow {
            table: "stripe_charges",
            time: Day::Millis("created"),
            dim: "''",
            value: "COUNT(*)",
            weight: "0",
            filter: "status = 'succeeded'",
            parts: None,
        },
    },
    Metric {
        key: "stripe.failed_charges",
        label: "Failed charges",
        description: "Charges that failed.",
        unit: Unit::Count,
        aggregation: Aggregation::Sum,
        split: Split::None,
        lower_is_better: true,
        rollup: Rollup::Flow {
            table: "stripe_charges",
            time: Day::Millis("created"),
            dim: "''",
            value: "COUNT(*)",
            weight: "0",
            filter: "status = 'failed'",
            parts: None,
        },
    },
    Metric {
        key: "stripe.charge_success_rate",
        label: "Charge success rate",
        description: "Successful charges out of all charges that succeeded or failed.",
        unit: Unit::Percent,
        aggregation: Aggregation::Ratio,
        split: Split::None,
        lower_is_better: false,
        rollup: Rollup::Flow {
            table: "stripe_charges",
            time: Day::Millis("created"),
            dim: "''",
            value: "SUM(status = 'succeeded')",
            weight: "COUNT(*)",
            filter: "status IN ('succeeded', 'failed')",
            parts: None,
        },
    },
    Metric {
        key: "stripe.new_customers",
        label: "New customers",
        description: "Customers created.",
        unit: Unit::Count,
        aggregation: Aggregation::Sum,
        split: Split::None,
        lower_is_better: false,
        rollup: Rollup::Flow {
            table: "stripe_customers",
            time: Day::Millis("created"),
            dim: "''",
            value: "COUNT(*)",
            weight: "0",
            filter: "1",
            parts: None,
        },
    },
    Metric {
        key: "stripe.active_subscriptions",
        label: "Active subscriptions",
        description: "Subscriptions started and not yet ended (active, trialing or past due).",
        unit: Unit::Count,
        aggregation: Aggregation::Last,
        split: Split::None,
        lower_is_better: false,
        rollup: Rollup::Stock {
            table: "stripe_subscriptions",
            start: "created",
            end: SUBSCRIPTION_END,
            dim: "''",
            value: "1",
            filter: "status NOT IN ('incomplete', 'incomplete_expired')",
        },
    },
    Metric {
        key: "stripe.mrr",
        label: "MRR",
        description: "Monthly recurring revenue: paying subscriptions' prices normalised to a month \
                      (yearly ÷ 12, quarterly ÷ 3, weekly × 52 ÷ 12), per currency. Trials excluded.",
        unit: Unit::Money,
        aggregation: Aggregation::Last,
        split: Split::Currency,
        lower_is_better: false,
        rollup: Rollup::Stock {
            table: "stripe_subscriptions",
            start: "created",
            end: SUBSCRIPTION_END,
            dim: "currency",
            value: MONTHLY_AMOUNT,
            filter: "status NOT IN ('trialing', 'incomplete', 'incomplete_expired')",
        },
    },
    Metric {
        key: "stripe.churned_subscriptions",
        label: "Churned subscriptions",
        description: "Subscriptions that ended.",
        unit: Unit::Count,
        aggregation: Aggregation::Sum,
        split: Split::None,
        lower_is_better: true,
        rollup: Rollup::Flow {
            table: "stripe_subscriptions",
            time: Day::Millis(SUBSCRIPTION_END),
            dim: "''",
            value: "COUNT(*)",
            weight: "0",
            filter: "1",
            parts: None,
        },
    },
];

pub(super) static DEFAULT_WIDGETS: &[DefaultWidget] = &[
    DefaultWidget::number("stripe.gross_volume"),
    DefaultWidget::number("stripe.mrr"),
    DefaultWidget::number("stripe.active_subscriptions"),
    DefaultWidget::number("stripe.refunds"),
    DefaultWidget::chart("stripe.gross_volume"),
    DefaultWidget::number("stripe.charge_success_rate"),
    DefaultWidget::number("stripe.new_customers"),
];
