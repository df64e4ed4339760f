//! Dashboards: the default one, editing widgets, what a read returns (values, freshness,
//! provisional days), the snapshot cache following syncs, and reading with the provider gone.

mod common;

use common::*;
use freshboard_engine::metrics::{Comparison, EmptyReason, Visual};
use freshboard_engine::{DateRange, ErrorKind, FreshnessState, NewWidget, Provider, WidgetChange};
use serde_json::json;

fn widget(metric: &str, visual: Visual) -> NewWidget {
    NewWidget {
        metric: metric.into(),
        range: DateRange::LastDays { days: 30 },
        comparison: Comparison::PreviousPeriod,
        visual,
        width: 1,
        height: 1,
    }
}

#[tokio::test]
async fn a_client_gets_a_default_dashboard_that_shows_its_synced_numbers() {
    let mut config = small_config();
    config.now = Some(1_795_420_800);
    let sim = Sim::start(config).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), manual_clock()).await;
    let client = engine.create_client("Acme").await.unwrap();
    assert!(
        engine.dashboards(client.id).await.unwrap().is_empty(),
        "no sources, no dashboard"
    );

    let stripe = add_source(&engine, &sim, client.id, Provider::Stripe).await;
    let dashboards = engine.dashboards(client.id).await.unwrap();
    assert_eq!(dashboards.len(), 1);
    let view = engine.get_dashboard(dashboards[0].id).await.unwrap();
    assert!(view.widgets.iter().all(|w| w.metric.provider == Provider::Stripe));
    assert!(view
        .widgets
        .iter()
        .all(|w| w.empty == Some(EmptyReason::NeverSynced) && w.state == Some(FreshnessState::NeverSynced)));

    // A second provider's widgets join the same dashboard.
    let github = add_source(&engine, &sim, client.id, Provider::Github).await;
    let view = engine.get_dashboard(dashboards[0].id).await.unwrap();
    assert!(view.widgets.iter().any(|w| w.metric.provider == Provider::Github));

    assert!(sync(&engine, &stripe).await.succeeded());
    let view = engine.get_dashboard(dashboards[0].id).await.unwrap();
    assert_eq!(view.today, "2026-11-23");
    for w in view
        .widgets
        .iter()
        .filter(|w| w.metric.provider == Provider::Stripe)
    {
        assert_eq!(w.state, Some(FreshnessState::Fresh), "{}", w.metric.key);
        assert_eq!(w.as_of, Some(1_795_420_800_000), "as of the sync");
        assert_eq!(
            w.provisional_from.as_deref(),
            Some("2026-11-23"),
            "today is not over"
        );
        assert_eq!((w.from.as_str(), w.to.as_str()), ("2026-10-25", "2026-11-23"));
        assert_eq!(w.previous_to.as_deref(), Some("2026-10-24"));
        let report = engine
            .metric_report(client.id, &w.metric.key, &w.from, &w.to)
            .await
            .unwrap();
        for (shown, expected) in w.series.iter().zip(&report.series) {
            assert_eq!(shown.total, expected.total, "{}", w.metric.key);
            assert_eq!(shown.points.len(), 30);
        }
    }
    // GitHub never synced: its widgets say so rather than show zeros.
    let gh = view
        .widgets
        .iter()
        .find(|w| w.metric.provider == Provider::Github)
        .unwrap();
    assert_eq!(gh.empty, Some(EmptyReason::NeverSynced));
    assert!(sync(&engine, &github).await.succeeded());
    let view = engine.get_dashboard(dashboards[0].id).await.unwrap();
    let stars = view
        .widgets
        .iter()
        .find(|w| w.metric.key == "github.stars_gained")
        .unwrap();
    assert_eq!(stars.empty, None);
    assert!(stars.series[0].total.unwrap() > 0.0);
}

#[tokio::test]
async fn widgets_are_added_changed_moved_and_removed_and_the_layout_persists() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = std::sync::Arc::new(freshboard_engine::MemoryStore::default());
    let engine = engine_with_secrets(dir.path(), secrets.clone()).await;
    let client = engine.create_client("Acme").await.unwrap();
    add_source(&engine, &sim, client.id, Provider::Stripe).await;
    let board = engine.create_dashboard(client.id, "Finance").await.unwrap();
    let dup = engine.create_dashboard(client.id, " finance ").await.unwrap_err();
    assert_eq!(dup.kind(), ErrorKind::Conflict, "{dup}");

    let a = engine
        .add_widget(board.id, widget("stripe.mrr", Visual::Number))
        .await
        .unwrap();
    let b = engine
        .add_widget(board.id, widget("stripe.refunds", Visual::Timeseries))
        .await
        .unwrap();
    let c = engine
        .add_widget(board.id, widget("stripe.new_customers", Visual::Table))
        .await
        .unwrap();
    assert_eq!((a.position, b.position, c.position), (0, 1, 2));

    // Bad input is refused with what is wrong, and nothing is saved.
    for bad in [
        NewWidget {
            metric: "stripe.nope".into(),
            ..widget("x", Visual::Number)
        },
        NewWidget {
            width: 5,
            ..widget("stripe.mrr", Visual::Number)
        },
        NewWidget {
            range: DateRange::Custom {
                from: "2026-05-02".into(),
                to: "2026-05-01".into(),
            },
            ..widget("stripe.mrr", Visual::Number)
        },
        NewWidget {
            range: DateRange::LastDays { days: 0 },
            ..widget("stripe.mrr", Visual::Number)
        },
    ] {
        let err = engine.add_widget(board.id, bad).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert!(err.field().is_some(), "{err} names its field");
    }
    let bad = WidgetChange {
        range: Some(DateRange::Custom {
            from: "soon".into(),
            to: "2026-01-01".into(),
        }),
        ..Default::default()
    };
    assert_eq!(
        engine.update_widget(a.id, bad).await.unwrap_err().field(),
        Some("range")
    );
    assert_eq!(engine.get_dashboard(board.id).await.unwrap().widgets.len(), 3);

    let change = WidgetChange {
        range: Some(DateRange::PreviousMonth),
        visual: Some(Visual::Timeseries),
        width: Some(2),
        ..Default::default()
    };
    engine.update_widget(a.id, change).await.unwrap();
    engine.move_widget(c.id, 0).await.unwrap();
    engine.remove_widget(b.id).await.unwrap();
    assert_eq!(
        engine.remove_widget(b.id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );

    let view = engine.get_dashboard(board.id).await.unwrap();
    let order: Vec<i64> = view.widgets.iter().map(|w| w.widget.id).collect();
    assert_eq!(order, vec![c.id, a.id]);
    assert_eq!(view.widgets[1].widget.range, DateRange::PreviousMonth);

    // A restart keeps the layout.
    engine.close().await;
    let engine = engine_with_secrets(dir.path(), secrets).await;
    let again = engine.get_dashboard(board.id).await.unwrap();
    assert_eq!(
        again.widgets.iter().map(|w| w.widget.clone()).collect::<Vec<_>>(),
        view.widgets.iter().map(|w| w.widget.clone()).collect::<Vec<_>>()
    );
    assert_eq!(again.widgets[1].widget.width, 2);
    assert_eq!(again.widgets[1].widget.visual, Visual::Timeseries);

    engine.rename_dashboard(board.id, "Money").await.unwrap();
    engine.delete_dashboard(board.id).await.unwrap();
    assert_eq!(
        engine.get_dashboard(board.id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn reads_follow_syncs_and_need_no_provider() {
    let mut config = small_config();
    config.now = Some(1_795_420_800);
    let sim = Sim::start(config).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), manual_clock()).await;
    let client = engine.create_client("Acme").await.unwrap();
    let source = add_source(&engine, &sim, client.id, Provider::Stripe).await;
    let board = engine.create_dashboard(client.id, "Volume").await.unwrap();
    let w = engine
        .add_widget(board.id, widget("stripe.successful_charges", Visual::Number))
        .await
        .unwrap();
    assert!(sync(&engine, &source).await.succeeded());

    let total = |view: &freshboard_engine::DashboardView| view.widgets[0].series[0].total.unwrap();
    let before = engine.get_dashboard(board.id).await.unwrap();
    assert_eq!(
        engine.get_dashboard(board.id).await.unwrap(),
        before,
        "a repeated read is the same"
    );

    // A new charge today: the next sync's rollup drops the cached snapshot.
    sim.control("/_sim/stripe/charges", json!({"amount": 1234, "currency": "usd"}))
        .await;
    assert!(sync(&engine, &source).await.succeeded());
    let after = engine.get_dashboard(board.id).await.unwrap();
    assert_eq!(total(&after), total(&before) + 1.0);
    assert_eq!(
        *after.widgets[0].series[0].points.last().unwrap(),
        Some(before.widgets[0].series[0].points.last().unwrap().unwrap() + 1.0)
    );

    // The provider is gone: reading (even uncached, after an edit) still works, from SQLite.
    sim.sim.shutdown().await;
    engine
        .update_widget(
            w.id,
            WidgetChange {
                range: Some(DateRange::LastDays { days: 90 }),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let offline = engine.get_dashboard(board.id).await.unwrap();
    assert!(total(&offline) >= total(&after));
    assert_eq!(
        offline.widgets[0].as_of, after.widgets[0].as_of,
        "last-updated time unchanged"
    );
}
