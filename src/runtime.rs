//! The event loop: the only owner of the terminal and the channels. It drains terminal
//! events and client results into `app::update`, hands effects to the client executor, and
//! draws only when the model changed, at most once per frame interval. Idle means no frames.
//! The loop ([`drive`]) is generic over where frames go ([`Surface`]) and where input comes
//! from, so `flightdeck bench` measures this very code on an in-memory backend.

use std::io::{self, Stdout, Write};
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use crossterm::event::{Event, EventStream, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::{cursor, execute, terminal};
use futures_util::{Stream, StreamExt};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::app::{self, Effect, Key, KeyCode, Keymap, Msg};
use crate::client::engine::Governance;
use crate::client::{ArgoClient, Executor};
use crate::domain::Model;
use crate::ui::{self, Ui};

/// Shortest time between two frames: bursts of events cost at most one frame per interval.
const FRAME_EVERY: Duration = Duration::from_millis(16);
/// Clock tick while something animates (a running run, a connecting instance).
const TICK_EVERY: Duration = Duration::from_millis(250);
/// Client results waiting in the channel before the client layer is slowed down.
const CHANNEL_DEPTH: usize = 4096;
/// Most queued results applied before a frame is considered.
const DRAIN_MAX: usize = 1024;

type Term = Terminal<CrosstermBackend<Stdout>>;

/// Restores the terminal when dropped, on every exit path (return, `?`, panic unwinding).
pub struct TerminalGuard {
    active: bool,
}

impl TerminalGuard {
    pub fn enter() -> io::Result<Self> {
        terminal::enable_raw_mode()?;
        let mut out = io::stdout();
        if let Err(e) =
            execute!(out, terminal::EnterAlternateScreen, cursor::Hide, terminal::Clear(terminal::ClearType::All))
        {
            let _ = terminal::disable_raw_mode();
            return Err(e);
        }
        Ok(Self { active: true })
    }
    /// Give the terminal back (for suspend); `resume` takes it again.
    fn release(&mut self) {
        if self.active {
            restore_terminal();
            self.active = false;
        }
    }
    fn resume(&mut self) -> io::Result<()> {
        terminal::enable_raw_mode()?;
        execute!(
            io::stdout(),
            terminal::EnterAlternateScreen,
            cursor::Hide,
            terminal::Clear(terminal::ClearType::All)
        )?;
        self.active = true;
        Ok(())
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        self.release();
    }
}

/// Leave raw mode and the alternate screen; safe to call twice.
pub fn restore_terminal() {
    let _ = terminal::disable_raw_mode();
    let mut out = io::stdout();
    let _ = execute!(out, terminal::EndSynchronizedUpdate, terminal::LeaveAlternateScreen, cursor::Show);
    let _ = out.flush();
}

/// Restore the terminal before a panic message is printed, so it is readable.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
}

/// Translate a crossterm key into ours; shift is folded into the character.
pub fn key_from(ev: KeyEvent) -> Option<Key> {
    use crossterm::event::KeyCode as C;
    let code = match ev.code {
        C::Char(c) => KeyCode::Char(c),
        C::Enter => KeyCode::Enter,
        C::Esc => KeyCode::Esc,
        C::Tab => KeyCode::Tab,
        C::BackTab => KeyCode::BackTab,
        C::Backspace => KeyCode::Backspace,
        C::Delete => KeyCode::Delete,
        C::Up => KeyCode::Up,
        C::Down => KeyCode::Down,
        C::Left => KeyCode::Left,
        C::Right => KeyCode::Right,
        C::Home => KeyCode::Home,
        C::End => KeyCode::End,
        C::PageUp => KeyCode::PageUp,
        C::PageDown => KeyCode::PageDown,
        C::F(n) => KeyCode::F(n),
        _ => return None,
    };
    Some(Key {
        code,
        ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
        alt: ev.modifiers.contains(KeyModifiers::ALT),
    })
}

/// What the loop reads besides client results: terminal events, or a request to stop
/// (SIGTERM/SIGHUP in the console; the benchmark's driver when it is done).
#[derive(Debug)]
pub enum Input {
    Term(Event),
    Stop,
    /// Something the update should hear that no effect asked for (the demo's operators).
    Msg(Box<Msg>),
}

/// Messages from outside the client layer, merged into the loop's input.
pub type Extra = std::pin::Pin<Box<dyn Stream<Item = Msg> + Send>>;

/// Whether the loop goes on after a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

/// Where frames go: the real terminal, or an in-memory backend for the benchmark. The loop
/// itself ([`drive`]) is the same for both.
pub trait Surface {
    /// Columns and rows.
    fn size(&mut self) -> io::Result<(u16, u16)>;
    /// Draw one whole frame of `model`.
    fn draw(&mut self, model: &Model, ui: &Ui) -> io::Result<()>;
    /// Give the terminal back until resumed (ctrl-z); nothing to do off a terminal.
    fn suspend(&mut self) -> anyhow::Result<()> {
        Ok(())
    }
    /// Write a notification's escape text (a bell, OSC 9/777) between frames; nothing to do
    /// off a terminal.
    fn notify(&mut self, _escape: &str) -> io::Result<()> {
        Ok(())
    }
    /// Told after every frame; `Flow::Stop` ends the loop.
    fn drawn(&mut self, _model: &Model) -> Flow {
        Flow::Continue
    }
    /// The loop ended: give the terminal back now, before the last records are written.
    fn release(&mut self) {}
}

/// The real terminal: raw mode and alternate screen held by the guard, synchronized output.
struct Tty {
    guard: TerminalGuard,
    term: Term,
    started: std::time::Instant,
    first_full_frame_logged: bool,
}

impl Surface for Tty {
    fn size(&mut self) -> io::Result<(u16, u16)> {
        let s = self.term.size()?;
        Ok((s.width, s.height))
    }
    fn draw(&mut self, model: &Model, ui: &Ui) -> io::Result<()> {
        draw(&mut self.term, model, ui)
    }
    fn suspend(&mut self) -> anyhow::Result<()> {
        suspend(&mut self.guard, &mut self.term)
    }
    fn notify(&mut self, escape: &str) -> io::Result<()> {
        // Outside a frame, so the sequence never lands inside synchronized output.
        let out = self.term.backend_mut();
        out.write_all(escape.as_bytes())?;
        out.flush()
    }

    fn release(&mut self) {
        self.guard.release();
    }
    fn drawn(&mut self, model: &Model) -> Flow {
        test_panic::after_frame();
        if !self.first_full_frame_logged && model.instances.iter().all(|i| i.last_update.is_some()) {
            self.first_full_frame_logged = true;
            let ms = self.started.elapsed().as_secs_f64() * 1000.0;
            tracing::info!(first_full_frame_ms = ms, apps = model.deployments.len(), "first full frame");
        }
        Flow::Continue
    }
}

/// A stream that yields `Input::Stop` each time `kind` is delivered to the process.
fn on_signal(kind: SignalKind) -> io::Result<impl Stream<Item = io::Result<Input>> + Send> {
    let sig = signal(kind)?;
    Ok(futures_util::stream::unfold(sig, |mut s| async move { s.recv().await.map(|_| (Ok(Input::Stop), s)) }))
}

/// Run the console until the user quits or a signal asks us to stop.
pub async fn run(
    model: Model,
    ui: Ui,
    clients: Vec<ArgoClient>,
    governance: Governance,
    started: std::time::Instant,
    extra: Option<Extra>,
) -> anyhow::Result<()> {
    install_panic_hook();
    let guard = TerminalGuard::enter().context("cannot set up the terminal (is stdout a terminal?)")?;
    // A fresh fullscreen terminal never asks for the cursor position (`Terminal::clear`
    // would: a round trip over slow SSH, and a hang on terminals that do not answer).
    let term: Term = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    let mut tty = Tty { guard, term, started, first_full_frame_logged: false };
    // The terminal's events; their end (stdin closed) stops the loop like a signal.
    let events =
        EventStream::new().map(|r| r.map(Input::Term)).chain(futures_util::stream::once(async { Ok(Input::Stop) }));
    let signals = futures_util::stream::select(on_signal(SignalKind::terminate())?, on_signal(SignalKind::hangup())?);
    let extra = extra.unwrap_or_else(|| Box::pin(futures_util::stream::pending())).map(|m| Ok(Input::Msg(Box::new(m))));
    let input = Box::pin(futures_util::stream::select(futures_util::stream::select(events, signals), extra));
    drive(model, &ui, clients, governance, &mut tty, input).await?;
    // The guard (inside `tty`) restores the terminal when dropped.
    drop(tty);
    Ok(())
}

/// The event loop, on any surface and any input: apply client results and input to the
/// model, hand effects to the executor, draw when the model changed at most once per
/// `FRAME_EVERY`, and sleep otherwise. Returns the model when the user quits or input stops.
pub async fn drive<S, I>(
    mut model: Model,
    ui: &Ui,
    clients: Vec<ArgoClient>,
    governance: Governance,
    surface: &mut S,
    mut input: I,
) -> anyhow::Result<Model>
where
    S: Surface,
    I: Stream<Item = io::Result<Input>> + Unpin,
{
    let (tx, mut rx) = mpsc::channel::<Msg>(CHANNEL_DEPTH);
    let mut executor = Executor::new(clients, tx).with_governance(governance);
    // The theme can change at run time (`:theme`); everything else of the view stays.
    let mut ui = ui.clone();
    let keymap: Keymap = ui.keymap.clone();
    let keymap = &keymap;
    let (width, height) = surface.size()?;
    let mut pending = vec![Msg::Resize { width, height, page_rows: ui::matrix_page_rows(width, height) }];
    for fx in app::init(&mut model) {
        executor.spawn(fx);
    }
    let mut dirty = true;
    let mut theme_news = Vec::new();
    let mut next_frame = Instant::now();
    let mut tick = tokio::time::interval(TICK_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    loop {
        // Apply everything that arrived, then maybe draw.
        for msg in pending.drain(..) {
            let rev = model.view_rev;
            let effects = app::update(&mut model, msg, keymap);
            dirty |= model.view_rev != rev;
            for fx in effects {
                match fx {
                    Effect::Quit => {}
                    Effect::Suspend => {
                        surface.suspend()?;
                        dirty = true;
                    }
                    Effect::Notify(notice) => {
                        let text = crate::domain::notify::escape(&notice, &model.notify);
                        if !text.is_empty() {
                            surface.notify(&text)?;
                        }
                    }
                    Effect::SetTheme { name } => {
                        let error = match ui::theme::Theme::load(&name, ui.theme.depth) {
                            Ok(t) => {
                                ui.theme = t;
                                None
                            }
                            Err(e) => Some(e),
                        };
                        theme_news.push(Msg::ThemeChanged { name, error });
                    }
                    other => executor.spawn(other),
                }
            }
        }
        // A theme switch is told at once (and the new theme drawn).
        for msg in theme_news.drain(..) {
            app::update(&mut model, msg, keymap);
            dirty = true;
        }
        if model.quit {
            break;
        }
        let now = Instant::now();
        if dirty && now >= next_frame {
            app::update(&mut model, Msg::Tick(Utc::now()), keymap);
            surface.draw(&model, &ui)?;
            dirty = false;
            next_frame = now + FRAME_EVERY;
            if surface.drawn(&model) == Flow::Stop {
                break;
            }
        }
        let animating = needs_tick(&model);
        tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(Input::Term(Event::Key(k)))) if k.kind != KeyEventKind::Release => {
                    if let Some(key) = key_from(k) { pending.push(Msg::Key(key)); }
                }
                Some(Ok(Input::Term(Event::Resize(w, h)))) => {
                    // After a storm of resizes an event can carry a size already gone: the
                    // terminal's size now is the truth (the event's when it cannot be read).
                    let (w, h) = surface.size().unwrap_or((w, h));
                    pending.push(Msg::Resize { width: w, height: h, page_rows: ui::matrix_page_rows(w, h) });
                }
                Some(Ok(Input::Term(_))) => {}
                Some(Ok(Input::Msg(m))) => pending.push(*m),
                Some(Ok(Input::Stop)) | None => break,
                Some(Err(e)) => return Err(e).context("reading terminal input"),
            },
            Some(msg) = rx.recv() => {
                pending.push(msg);
                while pending.len() < DRAIN_MAX {
                    match rx.try_recv() {
                        Ok(m) => pending.push(m),
                        Err(_) => break,
                    }
                }
            }
            _ = tokio::time::sleep_until(next_frame), if dirty => {}
            _ = tick.tick(), if animating => { pending.push(Msg::Tick(Utc::now())); }
        }
    }
    // Quit, SIGTERM or SIGHUP: the terminal first, then the records still in flight (a run
    // stops following and records that it was interrupted; trail and ledger writes land).
    surface.release();
    executor.finish(crate::client::executor::FINISH_GRACE).await;
    Ok(model)
}

/// Something on screen moves by itself: a spinner of a running run, a connecting instance.
fn needs_tick(model: &Model) -> bool {
    use crate::domain::{ConnState, RunOutcome};
    model.runs.iter().any(|r| r.outcome == RunOutcome::Running)
        || model.instances.iter().any(|i| !matches!(i.conn, ConnState::Live | ConnState::Failed(_)))
        // Stale cells show their age.
        || model.instances.iter().any(|i| i.stale_since.is_some())
        || model.detail.as_ref().is_some_and(|d| d.app.is_loading())
        || (model.mode == crate::domain::model::Mode::Delivery
            && model.delivery.as_ref().is_some_and(|v| v.report.is_loading()))
}

/// Draw one frame into a crossterm terminal writing to `W` (stdout in the console, a byte
/// counter in the benchmark), inside a synchronized update.
pub fn draw<W: Write>(term: &mut Terminal<CrosstermBackend<W>>, model: &Model, ui: &Ui) -> io::Result<()> {
    // Synchronized output: the terminal shows the frame whole or not at all.
    execute!(term.backend_mut(), terminal::BeginSynchronizedUpdate)?;
    let res = term.draw(|f| ui::draw(f, model, ui)).map(|_| ());
    execute!(term.backend_mut(), terminal::EndSynchronizedUpdate)?;
    res
}

/// A panic on demand, to prove the terminal is restored and no secret printed when the
/// console crashes: `FLIGHTDECK_TEST_PANIC=1` panics after the first frame. Compiled into
/// debug builds only (what `cargo test` runs); a release build has no such switch.
mod test_panic {
    #[cfg(debug_assertions)]
    pub fn after_frame() {
        if std::env::var_os("FLIGHTDECK_TEST_PANIC").is_some_and(|v| v == "1") {
            panic!("FLIGHTDECK_TEST_PANIC: a deliberate crash after the first frame");
        }
    }

    #[cfg(not(debug_assertions))]
    pub fn after_frame() {}
}

/// ctrl-z: give the terminal back, stop ourselves, and take it again when resumed.
fn suspend(guard: &mut TerminalGuard, term: &mut Term) -> anyhow::Result<()> {
    guard.release();
    // SAFETY: raising a signal on our own process has no memory-safety preconditions.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    guard.resume()?;
    // A new terminal has an empty back buffer, so the next frame redraws everything.
    *term = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    Ok(())
}
