//! Strings from servers are untrusted: an Argo CD message carrying escape sequences must
//! reach the model (and so the terminal and stdout) with every control character removed.

mod common;

use flightdeck::client::ArgoClient;

const HOSTILE: &str = "boom\u{1b}[2J\u{1b}]0;owned\u{7} done\u{1b}[31m!\r\nnext\u{9b}1m";

fn clean(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

#[tokio::test]
async fn escape_sequences_in_server_messages_never_reach_the_model() {
    let sim = common::calm_sim(2).await;
    let cfg = common::sim_config(&sim);
    let client = ArgoClient::new(&cfg.instances[0]).unwrap();
    let app = sim.app_names(0).into_iter().min().unwrap();
    sim.set_health(0, &app, "Degraded", HOSTILE);

    let (deps, _) = client.list().await.unwrap();
    let dep = deps.iter().find(|d| d.key.name == app).unwrap();
    let (detail, _) = client.get(&dep.key, None).await.unwrap();
    let events = client.events(&dep.key).await.unwrap();

    // Every string the console or a script could print, from list, get and events.
    let mut texts: Vec<String> = deps.iter().flat_map(|d| d.health_message.clone()).collect();
    texts.extend(detail.health_message.clone());
    texts.extend(detail.resources.iter().filter_map(|r| r.health_message.clone()));
    texts.extend(detail.conditions.iter().map(|c| c.message.clone()));
    texts.extend(events.iter().flat_map(|e| [e.message.clone(), e.reason.clone()]));
    for t in &texts {
        assert!(clean(t), "control characters left in {t:?}");
        assert!(!t.contains("owned"), "OSC payload (a window title) dropped: {t:?}");
    }
    assert!(texts.iter().any(|t| t.contains("boom") && t.contains("done")), "the message itself survives: {texts:?}");
}
