"""The shell every page shares: layout, home page, accessibility statement, error pages."""
