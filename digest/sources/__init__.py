"""Where issues come from: folders, URLs, Founder e-paper sites and RSS/Atom feeds, polled on a schedule."""
