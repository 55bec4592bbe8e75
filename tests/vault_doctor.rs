//! `flightdeck doctor` (the real binary) against the simulator's Vault and a real OpenBao:
//! all well (exit 0, the Vault's version, the token's source), a policy that denies the path
//! (the policy advice), and a sealed Vault (the unseal advice).

mod vault_support;

use vault_support::doctor::{config_for, doctor, text};
use vault_support::World;

both!(doctor_passes_then_names_the_policy_then_the_seal);

async fn doctor_passes_then_names_the_policy_then_the_seal(w: World) {
    let inst = w.sim.instances().into_iter().next().expect("instance");
    w.put("argocd/dev", &[("token", inst.token.as_str())]).await;
    let (dir, cfg) = config_for(&inst.base_url, &w.addr(), "vault.toml");
    let out = doctor(dir.path(), &cfg, Some(&w.root())).await;
    let t = text(&out);
    assert!(out.status.success(), "{}:\n{t}", w.name());
    assert!(t.contains("unsealed, Vault 2.7.2") && t.contains("from VAULT_TOKEN"), "{}:\n{t}", w.name());
    assert!(t.contains("token from vault secret/argocd/dev") && t.contains("sync ✓"), "{}:\n{t}", w.name());
    assert!(!t.contains(&inst.token), "the Argo CD token was printed");

    let narrow = w.token(&["secret/data/other/"], 3600, true).await;
    let out = doctor(dir.path(), &cfg, Some(&narrow)).await;
    let t = text(&out);
    assert!(!out.status.success(), "{}:\n{t}", w.name());
    assert!(t.contains("permission denied") && t.contains("policy granting read on secret/data/argocd/dev"), "{t}");

    w.seal().await;
    let out = doctor(dir.path(), &cfg, Some(&w.root())).await;
    let t = text(&out);
    assert!(!out.status.success(), "{}:\n{t}", w.name());
    assert!(t.contains("sealed") && t.contains("vault operator unseal"), "{}:\n{t}", w.name());
}
