//! The real OS keyring (Secret Service on Linux). Run through `scripts/with-keyring`, which
//! gives these tests a throwaway, unlocked keyring; without one they fail with the same
//! "no keyring available" error a user would see.

use std::sync::Arc;

use freshboard_engine::secrets::{Credential, KeyringStore, SecretStore, Secrets};

#[tokio::test]
async fn stores_reads_back_from_a_new_handle_and_deletes() {
    let name = format!("test entry {}", std::process::id());
    let credential = Credential {
        access: "rk_test_keyring_roundtrip".into(),
        refresh: Some("r1".into()),
        expires_at: Some(42),
        granted_scopes: None,
    };

    Secrets::new(Arc::new(KeyringStore))
        .set(&name, &credential)
        .await
        .expect("keyring write");
    // A new handle, as after a restart: nothing kept in memory.
    let reread = Secrets::new(Arc::new(KeyringStore))
        .get(&name)
        .await
        .expect("keyring read");
    assert_eq!(reread, Some(credential));

    Secrets::new(Arc::new(KeyringStore))
        .delete(&name)
        .await
        .expect("keyring delete");
    assert_eq!(KeyringStore.get(&name).unwrap(), None);
}
