"""The agent's working day: the log of their states (signed out, ready, dialling, in
call, wrap-up, paused) as the desk drives it, and the reasons an agent may pause for.

``machine`` says which moment may follow which state (pure); ``models`` holds the log
(``agent_states``) and the pause reasons; ``services`` writes the log (``change_state``,
``sign_in``, ``end_states``, ``touch``, ``sweep_lapsed``) and reads it; ``reasons`` keeps
the pause reasons, edited by staff on their page (``views``). It sits below ``users``:
signing in and out writes the log. See ``docs/floor.md``.
"""
