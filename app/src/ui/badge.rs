//! A state shown with weight: a badge whose colour says at a glance whether it
//! is settled, under way, stopped or simply over.

use leptos::prelude::*;

/// How a state reads at a glance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// Settled as hoped: active, done, complete, sent.
    Done,
    /// Under way or waiting for someone: open, awaiting, propagating.
    Waiting,
    /// Stopped short: refused, rejected, expired, not applied.
    Stopped,
    /// Over without being good or bad news: cancelled, closed.
    Neutral,
}

/// Words that make a state stopped, waiting, neutral or done; read in that
/// order, so "not applied" is stopped before "applied" is done.
const TONES: [(Tone, &[&str]); 4] = [
    (
        Tone::Stopped,
        &[
            "refused",
            "rejected",
            "expired",
            "failed",
            "not applied",
            "conflict",
            "suspended",
        ],
    ),
    (
        Tone::Waiting,
        &[
            "open",
            "awaiting",
            "pending",
            "propagating",
            "queued",
            "sending",
            "waiting",
            "expiring",
            "applied in",
            "not yet",
        ],
    ),
    (
        Tone::Neutral,
        &["cancelled", "closed", "ended", "terminated"],
    ),
    (
        Tone::Done,
        &[
            "done",
            "complete",
            "active",
            "activated",
            "placed",
            "sent",
            "approved",
            "applied",
            "associated",
        ],
    ),
];

impl Tone {
    /// The tone of a state as the portal words it; neutral when unknown.
    pub fn of(state: &str) -> Tone {
        let state = state.to_lowercase();
        TONES
            .iter()
            .find(|(_, words)| words.iter().any(|w| state.contains(w)))
            .map_or(Tone::Neutral, |(tone, _)| *tone)
    }

    /// The badge's classes.
    pub fn class(self) -> &'static str {
        match self {
            Tone::Done => "badge badge-done",
            Tone::Waiting => "badge badge-waiting",
            Tone::Stopped => "badge badge-stopped",
            Tone::Neutral => "badge badge-neutral",
        }
    }
}

/// A state as a badge; its text is the state itself.
#[component]
pub fn StatusBadge(#[prop(into)] state: String) -> impl IntoView {
    let class = Tone::of(&state).class();
    view! { <span class=class>{state}</span> }
}

#[cfg(test)]
mod tests {
    use super::Tone;

    #[test]
    fn states_read_as_their_tone() {
        for (state, tone) in [
            ("active", Tone::Done),
            ("done", Tone::Done),
            ("Complete: every system shows the change", Tone::Done),
            ("placed", Tone::Done),
            ("open", Tone::Waiting),
            ("Awaiting ROC approval", Tone::Waiting),
            ("Applied in eMSL, on its way to VLSC", Tone::Waiting),
            ("refused", Tone::Stopped),
            ("Not applied: the contact changed meanwhile", Tone::Stopped),
            ("expired", Tone::Stopped),
            ("cancelled", Tone::Neutral),
            ("something new", Tone::Neutral),
        ] {
            assert_eq!(Tone::of(state), tone, "{state}");
        }
    }
}
