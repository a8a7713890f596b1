"""The reports of SPEC §7, one module each: budget execution, target progress, the year's
demand summary, processing times and the year-over-year view, plus the full dossier register;
``cache`` reuses their figures until the data changes.

The year figures of the demand summary, target progress, processing (on-time counts, steps),
year over year and budget execution are read from the report summaries (``grants.models.summary``:
a few grouped rows per year that every change moves in its own transaction, see
``grants.services.summaries``), so a report reads a few hundred rows whatever the number of
dossiers; ``flask check-summaries`` compares them with the source rows. The overdue list and the
register read the dossiers (they list rows). No writes here.

Definitions shared by the pages, the Excel files and the tests:

* **Committed / disbursed** are net sums of the ledger (releases and reversals subtract), by the
  month of ``entry_on``; remaining = budget − committed.
* **Approved item**: an item with an approved amount > 0 in a dossier whose outcome is approved
  and whose commitment is live (``approved_vnd > 0``): the dashboard's definition.
* **Demand** counts every dossier that was filed: all states except draft and withdrawn.
  *Undecided* means filed but not yet approved or rejected (submitted … reviewed).
* **Finished** dossiers are the decided ones (approved, rejected, issued, returned). One is on
  time when it was finished (returned; else decided) at or before its due moment; dossiers
  without a due moment (e.g. imported legacy dossiers) are counted apart, not in the rate.
* **Overdue**: dossiers still being processed (received … reviewed) whose due moment has passed.
* **Working days per step** are measured on the audit trail: the time between a dossier's state
  change that started a step and the one that ended it (stored with the later change as
  ``AuditEvent.step_days``), counted in office time (08:00–12:00, 13:00–17:00 Vietnam time,
  Monday to Friday; one working day = 8 office hours). Public holidays and compensatory days
  are *not* deducted, so a step spanning Tết reads longer than it was: an approximation,
  stated on the page.
"""
