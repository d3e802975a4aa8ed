//! Entering and leaving the terminal. Everything enabled here is undone on
//! every exit path: normal quit, error, panic, signals and Ctrl-Z.

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// The console's terminal. When the terminal has gone away, it is not
/// dropped: ratatui's drop would try to show the cursor and print the
/// failure to a stderr that is gone too, which panics.
pub struct Owned(Option<Term>);

impl Owned {
    pub fn new(term: Term) -> Owned {
        Owned(Some(term))
    }
}

impl std::ops::Deref for Owned {
    type Target = Term;
    fn deref(&self) -> &Term {
        self.0.as_ref().expect("present until dropped")
    }
}

impl std::ops::DerefMut for Owned {
    fn deref_mut(&mut self) -> &mut Term {
        self.0.as_mut().expect("present until dropped")
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        if let Some(term) = self.0.take() {
            if hung_up() {
                std::mem::forget(term);
            }
        }
    }
}

/// Whether mouse capture is on, for the restore path (panic hook included).
static MOUSE_ON: AtomicBool = AtomicBool::new(false);
/// Whether the terminal is currently in the console's modes.
static ACTIVE: AtomicBool = AtomicBool::new(false);

pub fn enter(mouse: bool) -> io::Result<Term> {
    terminal::enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = io::stdout();
    execute!(
        out,
        EnterAlternateScreen,
        cursor::Hide,
        EnableBracketedPaste
    )?;
    set_mouse(mouse)?;
    let mut term = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    term.clear()?;
    Ok(term)
}

pub fn set_mouse(on: bool) -> io::Result<()> {
    let mut out = io::stdout();
    if on {
        execute!(out, EnableMouseCapture)?;
    } else {
        execute!(out, DisableMouseCapture)?;
    }
    MOUSE_ON.store(on, Ordering::SeqCst);
    Ok(())
}

/// Undoes everything `enter` did, in the safe order: mouse reporting off
/// while still in raw mode, then the alternate screen, the cursor, raw mode.
/// Safe to call more than once.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = io::stdout();
    if MOUSE_ON.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(
        out,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = terminal::disable_raw_mode();
    let _ = out.flush();
}

/// Restores on drop, so early returns and `?` leave a sane terminal.
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Panic hook: restore the terminal first, then report the panic with its
/// text sanitised (panic messages may carry report data).
pub fn install_panic_hook(log_file: String) {
    std::panic::set_hook(Box::new(move |info| {
        restore();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let text = crate::sanitize::sanitize_line(&message).into_owned();
        crate::logging::log(&format!("panic: {text}{location}"));
        // Not eprintln!: a panic while printing to a vanished terminal aborts.
        let _ = writeln!(
            io::stderr(),
            "scandeck crashed: {text}{location}\nThe terminal was restored; details are in {log_file}."
        );
    }));
}

/// Ctrl-Z: give the terminal back, stop, and take it again on `fg`.
pub fn suspend(term: &mut Term, mouse: bool) -> io::Result<()> {
    hand_over(term, mouse, || {
        nix::sys::signal::raise(nix::sys::signal::Signal::SIGTSTP).map_err(io::Error::other)
    })?
}

/// Gives the terminal to `run` (an editor, the shell after Ctrl-Z) and
/// takes it back after, in the console's modes again.
pub fn hand_over<T>(term: &mut Term, mouse: bool, run: impl FnOnce() -> T) -> io::Result<T> {
    restore();
    let result = run();
    terminal::enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        cursor::Hide,
        EnableBracketedPaste
    )?;
    set_mouse(mouse)?;
    term.clear()?;
    Ok(result)
}

/// Whether the console's terminal has gone away: its other end closed
/// (POLLHUP), or the descriptor is no longer usable. Checks standard input
/// and standard output, the two ends the console uses.
pub fn hung_up() -> bool {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    use std::os::fd::AsFd;
    let (stdin, stdout) = (io::stdin(), io::stdout());
    let mut fds = [
        PollFd::new(stdin.as_fd(), PollFlags::POLLIN),
        PollFd::new(stdout.as_fd(), PollFlags::POLLOUT),
    ];
    if poll(&mut fds, PollTimeout::ZERO).is_err() {
        return false;
    }
    let gone = PollFlags::POLLHUP | PollFlags::POLLERR | PollFlags::POLLNVAL;
    fds.iter()
        .any(|fd| fd.revents().is_some_and(|r| r.intersects(gone)))
}
