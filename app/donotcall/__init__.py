"""The do-not-call list: the opposition register's extracts, internal opt-outs and the
agents' "do not call again" outcomes. A number or account on it is never served."""
