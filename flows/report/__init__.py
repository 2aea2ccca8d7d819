"""Read-only presentation: stats, the HTML report, exports and run reports."""
