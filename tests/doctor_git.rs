//! `doctor` on the credential paths added late: the git HTTPS token kept in Vault (readable, or
//! missing with advice naming the secret), and a user configured without a password (doctor
//! cannot prompt, so it says the console will). The secret itself never appears.

#[path = "client_support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::path::PathBuf;

use flightdeck::cli::doctor::{checks, Check, Status};
use flightdeck::config::Overrides;

const GIT_TOKEN: &str = "ghs_doctor-canary-0c1d2e3f";

fn write(dir: &std::path::Path, text: &str) -> PathBuf {
    let p = dir.join("fd.toml");
    std::fs::write(&p, text).expect("write");
    p
}

async fn run(cfg: PathBuf, home: &std::path::Path, vault_token: &str) -> Vec<Check> {
    let m: HashMap<&str, String> =
        [("HOME", home.display().to_string()), ("VAULT_TOKEN", vault_token.to_string())].into_iter().collect();
    let env = move |k: &str| m.get(k).cloned();
    checks(&Overrides { config_file: Some(cfg), ..Overrides::default() }, &env).await
}

fn row<'a>(all: &'a [Check], name: &str) -> &'a Check {
    all.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no {name} row in {all:?}"))
}

#[tokio::test]
async fn git_token_in_vault_is_checked_and_a_missing_one_gets_advice() {
    let sim = support::sim().await;
    let inst = support::instance(&sim, 0);
    sim.vault_put_secret("secret", "argocd/dev", [("token", inst.token.as_str())]);
    let dir = tempfile::tempdir().expect("tmp");
    let text = format!(
        "[vault]\naddress = \"{}\"\n\n[gitops]\nhttps_token_vault = \"secret/git/github#token\"\n\n[[instance]]\nname = \"dev\"\nenv = \"dev\"\nserver = \"{}\"\nvault = \"secret/argocd/dev#token\"\n",
        sim.vault_addr(),
        inst.base_url
    );
    let cfg = write(dir.path(), &text);
    let root = sim.vault_root_token();

    let missing = run(cfg.clone(), dir.path(), &root).await;
    let git = row(&missing, "git credential");
    assert_eq!(git.status, Status::Fail, "{git:?}");
    assert!(git.advice.as_deref().is_some_and(|a| a.contains("secret/git/github#token")), "{git:?}");

    sim.vault_put_secret("secret", "git/github", [("token", GIT_TOKEN)]);
    let ok = run(cfg, dir.path(), &root).await;
    let git = row(&ok, "git credential");
    assert_eq!(git.status, Status::Ok, "{git:?}");
    assert_eq!(git.detail, "git HTTPS token from vault secret/git/github#token ✓");
    assert!(!format!("{ok:?}").contains(GIT_TOKEN), "the git token was shown");
}

#[tokio::test]
async fn a_user_without_a_password_is_not_logged_in_by_doctor() {
    let sim = support::sim().await;
    let inst = support::instance(&sim, 0);
    let dir = tempfile::tempdir().expect("tmp");
    let text =
        format!("[[instance]]\nname = \"dev\"\nenv = \"dev\"\nserver = \"{}\"\nusername = \"admin\"\n", inst.base_url);
    let all = run(write(dir.path(), &text), dir.path(), "").await;
    assert_eq!(row(&all, "dev credential").detail, "password from prompt (user admin)");
    assert_eq!(row(&all, "dev reachable").status, Status::Ok);
    let who = row(&all, "dev who");
    assert_eq!(who.status, Status::Skip, "{who:?}");
    assert!(who.detail.contains("asked on the terminal"), "{who:?}");
    assert_eq!(row(&all, "git credential").detail, "git: your SSH agent and git config");
}
