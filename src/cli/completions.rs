//! `flightdeck completions SHELL` and `flightdeck man [COMMAND]`, generated from the command
//! definition itself (clap_complete, clap_mangen), so they never drift from `--help`. For
//! bash, zsh and fish the script also completes service and environment names (every
//! argument the definition marks `ValueHint::Other` with value name SERVICE or ENV) from the
//! names the last listing cached (`flightdeck complete-names`, no network); elvish and
//! PowerShell get the commands and flags.

use clap::{Command, CommandFactory, ValueHint};
use clap_complete::Shell;

use super::commands::Cli;
use super::output::out_raw;
use crate::domain::Failure;

const BIN: &str = "flightdeck";

/// An argument whose values are service or environment names.
struct NameArg {
    /// The subcommand path (`["sync"]`, `["rollout", "promote"]`).
    path: Vec<String>,
    /// `--env`, or `None` for the SERVICE positional.
    long: Option<String>,
    /// `services` or `envs` (what `complete-names` lists).
    what: &'static str,
}

fn name_args(cmd: &Command, path: &[String], out: &mut Vec<NameArg>) {
    for a in cmd.get_arguments() {
        if a.get_value_hint() != ValueHint::Other {
            continue;
        }
        let what = match a.get_value_names().and_then(|n| n.first()).map(|n| n.as_str()) {
            Some("ENV") => "envs",
            Some("SERVICE") => "services",
            _ => continue,
        };
        out.push(NameArg { path: path.to_vec(), long: a.get_long().map(str::to_string), what });
    }
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let mut p = path.to_vec();
        p.push(sub.get_name().to_string());
        name_args(sub, &p, out);
    }
}

fn names(what: &str) -> String {
    format!("{BIN} complete-names {what} 2>/dev/null")
}

/// The bash script: clap's, then a wrapper that answers names first and hands the rest on.
fn bash(script: &str, args: &[NameArg]) -> String {
    let mut longs: Vec<(String, &str)> = args.iter().filter_map(|a| a.long.clone().map(|l| (l, a.what))).collect();
    longs.sort();
    longs.dedup();
    let mut commands: Vec<&str> =
        args.iter().filter(|a| a.long.is_none()).filter_map(|a| a.path.last().map(String::as_str)).collect();
    commands.sort_unstable();
    commands.dedup();
    let mut cases = String::new();
    for (long, what) in &longs {
        cases.push_str(&format!("        --{long}) what={what} ;;\n"));
    }
    cases.push_str(&format!("        {}) [[ ${{cur}} != -* ]] && what=services ;;\n", commands.join("|")));
    let main = script.rsplit_once("if [[ \"${BASH_VERSINFO[0]}\" -eq 4").map_or(script, |(head, _)| head).trim_end();
    format!(
        r#"{main}

# Service and environment names: those Flightdeck saw last (no network), then clap's rules.
_flightdeck_names() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="" what=""
    (( COMP_CWORD > 0 )) && prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    case "${{prev}}" in
{cases}    esac
    if [[ -n "${{what}}" ]]; then
        COMPREPLY=( $(compgen -W "$({bin} complete-names ${{what}} 2>/dev/null)" -- "${{cur}}") )
        return 0
    fi
    _flightdeck "$@"
}}

if [[ "${{BASH_VERSINFO[0]}}" -eq 4 && "${{BASH_VERSINFO[1]}}" -ge 4 || "${{BASH_VERSINFO[0]}}" -gt 4 ]]; then
    complete -F _flightdeck_names -o nosort -o bashdefault -o default {bin}
else
    complete -F _flightdeck_names -o bashdefault -o default {bin}
fi
"#,
        bin = BIN
    )
}

/// The zsh script: the name arguments' empty actions become the name functions.
fn zsh(script: &str) -> String {
    let functions = format!(
        r#"
# Service and environment names: those Flightdeck saw last (no network).
_flightdeck_services() {{ local -a n; n=(${{(f)"$({services})"}}); compadd -a n }}
_flightdeck_envs() {{ local -a n; n=(${{(f)"$({envs})"}}); compadd -a n }}
"#,
        services = names("services"),
        envs = names("envs")
    );
    let mut out = String::new();
    for (i, line) in script.lines().enumerate() {
        let line = if line.starts_with("':service -- ") && line.ends_with(":' \\") {
            line.replacen(":' \\", ":_flightdeck_services' \\", 1)
        } else {
            line.replace(":ENV:' \\", ":ENV:_flightdeck_envs' \\")
                .replace(":SERVICE:' \\", ":SERVICE:_flightdeck_services' \\")
        };
        out.push_str(&line);
        out.push('\n');
        if i == 0 {
            out.push_str(&functions);
        }
    }
    out
}

/// The fish script: clap's, plus one dynamic rule per name argument.
fn fish(script: &str, args: &[NameArg]) -> String {
    let mut out = script.trim_end().to_string();
    out.push_str("\n\n# Service and environment names: those Flightdeck saw last (no network).\n");
    for a in args {
        let cond = match a.path.as_slice() {
            [one] => format!("__fish_{BIN}_using_subcommand {one}"),
            [first, second, ..] => {
                format!("__fish_{BIN}_using_subcommand {first}; and __fish_seen_subcommand_from {second}")
            }
            [] => continue,
        };
        let opt = a.long.as_ref().map_or_else(String::new, |l| format!(" -l {l} -r"));
        out.push_str(&format!("complete -c {BIN} -n \"{cond}\"{opt} -f -a \"({})\"\n", names(a.what)));
    }
    out
}

/// The command line without its hidden commands (askpass, …): clap_complete offers hidden
/// subcommands, and nobody should be offered those.
fn visible() -> Command {
    let full = Cli::command();
    let mut cmd = Command::new(BIN).args(full.get_arguments().cloned());
    if let Some(v) = full.get_version() {
        cmd = cmd.version(v.to_string());
    }
    if let Some(a) = full.get_about() {
        cmd = cmd.about(a.clone());
    }
    cmd.subcommands(full.get_subcommands().filter(|s| !s.is_hide_set()).cloned())
}

/// The completion script for `shell`.
pub fn script(shell: Shell) -> String {
    let mut cmd = visible();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, BIN, &mut buf);
    let generated = String::from_utf8_lossy(&buf).into_owned();
    let mut args = Vec::new();
    name_args(&Cli::command(), &[], &mut args);
    match shell {
        Shell::Bash => bash(&generated, &args),
        Shell::Zsh => zsh(&generated),
        Shell::Fish => fish(&generated, &args),
        _ => generated,
    }
}

pub fn completions(shell: Shell) -> Result<(), Failure> {
    out_raw(&script(shell));
    Ok(())
}

/// The roff page of the program, or of the command at `path` (`["rollout", "promote"]`).
pub fn man_page(path: &[String]) -> Result<String, Failure> {
    let mut cmd = Cli::command();
    cmd.build();
    let mut page = cmd.clone();
    for (depth, word) in path.iter().enumerate() {
        let prefix = path[..depth].iter().map(|w| format!("{w} ")).collect::<String>();
        let subs: Vec<String> = page
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name() != "help")
            .map(|s| format!("{prefix}{}", s.get_name()))
            .collect();
        let Some(next) = page.find_subcommand(word).filter(|s| !s.is_hide_set()).cloned() else {
            return Err(crate::domain::choices::unknown("command", &path[..=depth].join(" "), &subs));
        };
        page = next;
    }
    if !path.is_empty() {
        // `flightdeck-rollout-promote(1)`, as man pages of subcommands are named.
        page = page.name(format!("{BIN}-{}", path.join("-")));
    }
    let mut buf = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut buf)
        .map_err(|e| Failure::new(crate::domain::ErrorKind::Usage, format!("cannot render the man page: {e}")))?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

pub fn man(path: &[String]) -> Result<(), Failure> {
    out_raw(&man_page(path)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_completed_where_the_definition_marks_them() {
        let mut args = Vec::new();
        name_args(&Cli::command(), &[], &mut args);
        let has = |path: &str, long: Option<&str>, what: &str| {
            args.iter().any(|a| a.path.join(" ") == path && a.long.as_deref() == long && a.what == what)
        };
        assert!(has("sync", None, "services"));
        assert!(has("sync", Some("env"), "envs"));
        assert!(has("rollout promote", None, "services"));
        assert!(has("promote", Some("to"), "envs"));
        assert!(has("status", Some("service"), "services"));
        assert!(!args.iter().any(|a| a.path.first().is_some_and(|p| p == "complete-names")), "hidden ones left out");
    }

    #[test]
    fn every_flag_and_command_has_a_description() {
        fn walk(cmd: &Command, path: &str, missing: &mut Vec<String>) {
            for a in cmd.get_arguments() {
                let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
                if help.trim().is_empty() && !matches!(a.get_id().as_str(), "help" | "version") {
                    missing.push(format!("{path} {}", a.get_id()));
                }
            }
            for s in cmd.get_subcommands() {
                if s.get_about().is_none() && s.get_name() != "help" {
                    missing.push(format!("{path} {}", s.get_name()));
                }
                walk(s, &format!("{path} {}", s.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), BIN, &mut missing);
        assert!(missing.is_empty(), "no description: {missing:?}");
    }

    #[test]
    fn connection_flags_only_where_argo_cd_is_asked() {
        let cmd = Cli::command();
        let has_server = |name: &str| {
            cmd.find_subcommand(name).is_some_and(|s| s.get_arguments().any(|a| a.get_long() == Some("server")))
        };
        for talks in ["status", "sync", "history", "logs", "diff", "doctor", "approve", "sync-policy", "worker"] {
            assert!(has_server(talks), "{talks} takes --server");
        }
        let offline =
            ["audit", "sim", "demo", "approvals", "runs", "config", "completions", "man", "bench", "conductor"];
        for offline in offline {
            assert!(!has_server(offline), "{offline} does not take --server");
        }
        let heading = cmd
            .find_subcommand("sync")
            .and_then(|s| s.get_arguments().find(|a| a.get_long() == Some("server")))
            .and_then(|a| a.get_help_heading().map(str::to_string));
        assert_eq!(heading.as_deref(), Some("Argo CD connection"));
    }
}
