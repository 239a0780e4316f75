"""The agents' working time for the people who pay for it: a timesheet per agent and day
(signed-in, ready, talk, wrap-up and pause time, calls, calls per signed-in hour), with
totals per team, on a page and as CSV or XLSX; and one agent's figures over any range
(pauses by reason, talk and wrap-up per outcome). Supervisors see their team, staff and
administrators everyone (``scope``). Read from the state log (``app.workday.figures``) and
the calls (``app.desk.day_figures``); see ``docs/metrics.md``, "The working day"."""
