"""The staff work lists (queues and the register): filters from the query string, one page of
``worklists.queue``, rendered as a cached fragment (not a blueprint)."""

from flask import current_app, render_template, request
from flask_login import current_user

from grants.forms.staff import filter_form
from grants.queries import catalogue, worklists, years
from grants.web.fragments import cached_fragment, cached_page


def list_filters(args, statuses):
    """Parsed filter form + the keyword arguments for ``worklists.queue``."""
    form = filter_form(args, statuses=statuses, years=years.program_years(),
                       communes=catalogue.communes(), catalogue=catalogue.catalogue_items())
    year_id = form.year.data if (form.year.data or "").isdigit() else None
    return form, {
        "status": form.status.data if form.status.data in {s.value for s in statuses} else None,
        "year_id": int(year_id) if year_id else None,
        "commune": form.commune.data or None,
        "catalogue_code": form.catalogue.data or None,
        "search": (form.q.data or "")[:100] or None,
        "page": request.args.get("page", 1, type=int),
        "per_page": current_app.config["PER_PAGE"],
    }


def render_list(template: str, statuses, *, title: str, extra=None, **queue_kw):
    """Render a work list: filters from the query string, one page of ``worklists.queue``.

    The list is a cached fragment for this viewer and query string (``template`` renders into
    ``layout``: just its content block), so a queue reloaded all day long is computed again
    only after the data changed. ``extra()`` gives more template context, computed with it."""
    def body() -> str:
        form, kw = list_filters(request.args, statuses)
        page = worklists.queue(statuses, **kw, **queue_kw)
        marks = worklists.deadline_marks(row.dossier for row in page.items)
        return render_template(template, layout="_fragment.html", page=page, marks=marks,
                               filters=form, title=title, **(extra() if extra else {}))

    key = (template, current_user.id, request.query_string.decode("utf-8", "replace"),
           tuple(sorted(queue_kw.items())))
    return cached_page("_cached_page.html", cached_fragment("work-list", key, body), title=title)
