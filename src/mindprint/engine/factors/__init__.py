"""RPM stages 2-4: features grouped into factors, each factor's statistics from the user's
own history (measured as departures from the population), and the reasoning paths that
cite them."""
