"""Legal tracing of competences: who held which competence, where, when, by which act.

- `rules`: the rules of law that tracing applies, each with its article and version;
- `facts`: the transfers, memberships, acts and actions read from the store, with the
  conventions of valid time;
- `interest`: the intérêt communautaire of a transfer on a date (majority, deadline);
- `tracing`: who held a competence for a commune, which competences an EPCI held, and
  whether an actor is competent for a commune on a date;
- `basis`: the legal basis of an action on each of its dates;
- `timeline`: the dated events of a competence for a commune or an EPCI;
- `flags`: the statuses and flags of the results;
- `report` and `answers`: the report of the action plan as CSV, and the JSON results;
- `csv_import`: the CSV layout for acts, transfers and membership changes.

`docs/legal.md` documents the questions, their SPARQL queries and the CSV layout.
"""
