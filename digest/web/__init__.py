"""The reading room: briefings and issues as web pages, search and Atom feeds, served by `digest serve`."""
