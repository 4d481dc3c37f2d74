"""The support API: contracts, validation (nothing half-stored), idempotency, access."""

import json
import uuid

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from integrations.services import create_api_key
from support_site.celery import app as celery_app
from tickets.models import Customer, Feedback, Ticket, TicketEvent
from tickets.services import pipeline

pytestmark = pytest.mark.django_db

URL = "/api/support/tickets"
VALID = {
    "source": "web",
    "subject": "Problema con mi factura",
    "description": "No puedo descargar mi factura del mes pasado",
    "customer_email": "Cliente@Example.com",
    "customer_name": "Juan Pérez",
    "customer_id": "hubspot-contact-id",
    "category": "billing",
    "tags": ["factura", "descarga"],
    "metadata": {"browser": "Chrome", "ip": "192.168.1.1"},
}


def client_with(scopes=None) -> APIClient:
    issued = create_api_key(name=f"key-{uuid.uuid4().hex[:6]}", scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {issued.raw_key}")
    return client


@pytest.fixture
def api(desk):
    return client_with()


def post(client, payload, **headers):
    return client.post(URL, json.dumps(payload), content_type="application/json", **headers)


def nothing_stored(customers_before: int = 3):
    assert Ticket.objects.count() == 0
    assert TicketEvent.objects.count() == 0
    assert Customer.objects.count() == customers_before


def test_create_answers_202_with_location_and_queues_the_pipeline(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(api, VALID)
    assert response.status_code == 202
    ticket = Ticket.objects.get()
    assert response.json() == {"ticket_id": str(ticket.ticket_id), "status": "received"}
    assert response["Location"] == f"{URL}/{ticket.ticket_id}"
    # Only after commit: the pipeline is enqueued and consoles and dashboards are told.
    assert [callback.__qualname__.split(".")[0] for callback in callbacks] == ["intake_ticket", "broadcast_ticket_change"]
    assert ticket.customer.email == "cliente@example.com" and ticket.customer.external_ids == {"customer_id": "hubspot-contact-id"}
    assert (ticket.tags, ticket.metadata, ticket.category) == (["factura", "descarga"], {"browser": "Chrome", "ip": "192.168.1.1"}, "billing")
    assert ticket.events.get().kind == "created"


def test_minimal_payload_from_the_spec(api):
    response = post(api, {"description": "¿Cómo restablezco mi contraseña?", "customer_email": "cliente@example.com"})
    assert response.status_code == 202
    assert Ticket.objects.get().source == "api"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"subject": "", "description": ""}, "description"),
        ({"subject": "   ", "description": None}, "description"),
        ({"customer_email": "not-an-email"}, "customer_email"),
        ({"customer_email": None}, "customer_email"),
        ({"source": "fax"}, "source"),
        ({"category": "weather"}, "category"),
        ({"subject": "x" * 256}, "subject"),
        ({"description": "x" * 20001}, "description"),
        ({"customer_name": "x" * 201}, "customer_name"),
        ({"tags": "factura"}, "tags"),
        ({"tags": ["x" * 51]}, "tags"),
        ({"tags": [f"t{n}" for n in range(21)]}, "tags"),
        ({"metadata": ["not", "an", "object"]}, "metadata"),
        ({"metadata": {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}}, "metadata"),
        ({"metadata": {"blob": "x" * 9000}}, "metadata"),
        ({"ticket_id": "not-a-uuid"}, "ticket_id"),
        ({"descripton": "typo"}, "descripton"),
    ],
)
def test_bad_input_gets_400_per_field_and_stores_nothing(api, change, field):
    payload = {**VALID, **change}
    payload = {key: value for key, value in payload.items() if value is not None}
    response = post(api, payload)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] == "Invalid input." and field in body["errors"], body
    nothing_stored()


def test_non_json_and_wrong_media_type(api):
    response = api.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400 and "JSON parse error" in response.json()["detail"]
    response = api.post(URL, "subject=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    response = post(api, ["a", "list"])
    assert response.status_code == 400 and "non_field_errors" in response.json()["errors"]
    nothing_stored()


def test_same_ticket_id_twice_is_one_ticket(api):
    payload = {**VALID, "ticket_id": str(uuid.uuid4())}
    first, second = post(api, payload), post(api, payload)
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json() and second["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1 and str(Ticket.objects.get().ticket_id) == payload["ticket_id"]


def test_idempotency_key_header(api):
    first = post(api, VALID, HTTP_IDEMPOTENCY_KEY="order-42")
    second = post(api, VALID, HTTP_IDEMPOTENCY_KEY="order-42")
    assert first.json() == second.json() and Ticket.objects.count() == 1
    conflict = post(api, {**VALID, "subject": "Another subject"}, HTTP_IDEMPOTENCY_KEY="order-42")
    assert conflict.status_code == 409 and conflict.json()["ticket_id"] == first.json()["ticket_id"]
    assert Ticket.objects.count() == 1


def test_anonymous_gets_401_and_wrong_scope_403(desk):
    response = APIClient().post(URL, VALID, format="json")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Api-Key"
    assert APIClient().get(URL).status_code == 401
    bad_key = APIClient()
    bad_key.credentials(HTTP_AUTHORIZATION="Api-Key sk_sup_unknown")
    assert bad_key.get(URL).status_code == 401
    read_only = client_with(scopes=["tickets:read"])
    response = post(read_only, VALID)
    assert response.status_code == 403 and "tickets:write" in response.json()["detail"]
    assert client_with(scopes=["feedback:write"]).get(URL).status_code == 403
    nothing_stored()


@pytest.mark.django_db(transaction=True)
def test_wait_answers_201_with_the_spec_shape(desk, api, monkeypatch):
    """Unit-level: the pipeline runs in-process (eager) so the wait sees it finish; the integration
    suite does the same through a real worker."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    response = post(api, {
        "subject": "URGENTE: Sistema caído", "description": "El sistema no funciona, necesito ayuda inmediata",
        "customer_email": "vip@example.com", "source": "phone",
    }, HTTP_PREFER="wait=5")
    assert response.status_code == 201, response.content
    assert response["Preference-Applied"] == "wait=5"
    body = response.json()
    assert body["status"] == "open"
    assert body["chatbot"]["attempted"] is True and body["chatbot"]["resolved"] is False
    assert "outage or an urgency" in body["chatbot"]["reason"] and body["chatbot"]["answer"] is None
    assert body["priority"]["level"] == "critical" and body["priority"]["score"] >= 85
    assert {f["factor"] for f in body["priority"]["factors"]} >= {"content_urgency", "customer_tier", "source"}
    assert body["routing"]["department"] == "technical" and body["routing"]["rule"] == "Technical outage"
    assert body["routing"]["agent_assigned"] is True and isinstance(body["routing"]["agent_id"], int)


@pytest.fixture
def processed(desk):
    """Three tickets through the real pipeline (services called directly)."""
    from tickets.services.intake import intake_ticket

    made = {}
    for key, payload in {
        "urgent": {"subject": "URGENTE: Sistema caído", "description": "no funciona", "customer_email": "vip@example.com", "source": "phone"},
        "invoice": {"subject": "Factura", "description": "Me habéis cobrado dos veces la factura de este mes", "customer_email": "cliente@example.com",
                    "category": "billing", "source": "web"},
        "question": {"subject": "API", "description": "¿Tenéis una API pública?", "customer_email": "enterprise@example.com", "source": "email"},
    }.items():
        ticket = intake_ticket(data=payload).ticket
        made[key] = pipeline.run_pipeline(ticket_id=ticket.ticket_id)
    return made


def test_get_detail_has_the_summary_and_the_ticket(api, processed):
    ticket = processed["invoice"]
    body = api.get(f"{URL}/{ticket.ticket_id}").json()
    assert body["ticket_id"] == str(ticket.ticket_id) and body["status"] == "open"
    assert body["routing"] == {"department": "billing", "rule": "Billing and payments", "reason": ticket.routing_reason,
                               "agent_assigned": False, "agent_id": None}
    assert body["customer"] == {"email": "cliente@example.com", "name": "Juan Pérez", "tier": "standard"}
    assert body["pipeline_stage"] == "done" and body["language"] == "es"
    assert api.get(f"{URL}/{uuid.uuid4()}").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"urgent", "invoice", "question"}),
        ("?priority=critical", {"urgent"}),
        ("?priority=critical&priority=medium", {"urgent", "invoice"}),
        ("?department=billing", {"invoice"}),
        ("?category=billing", {"invoice"}),
        ("?source=email", {"question"}),
        ("?customer=VIP@example.com", {"urgent"}),
        ("?q=factura", {"invoice"}),
        ("?status=open", {"urgent", "invoice", "question"}),
        ("?created_after=2000-01-01T00:00:00Z&created_before=2999-01-01T00:00:00Z", {"urgent", "invoice", "question"}),
        ("?created_after=2999-01-01T00:00:00Z", set()),
    ],
)
def test_list_filters(api, processed, query, expected):
    response = api.get(URL + query)
    assert response.status_code == 200
    names = {key for key, t in processed.items() if str(t.ticket_id) in {r["ticket_id"] for r in response.json()["results"]}}
    assert names == expected


def test_list_ordering_pagination_and_bad_filter(api, processed):
    body = api.get(URL + "?ordering=-priority_score").json()
    scores = [r["priority"]["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True) and body["count"] == 3
    assert api.get(URL + "?priority=extreme").status_code == 400


def test_patch_follows_transitions_and_records_history(api, processed):
    ticket = processed["invoice"]
    response = api.patch(f"{URL}/{ticket.ticket_id}", {"status": "in_progress", "reason": "Looking at it"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    event = ticket.events.filter(kind="status_changed").last()
    assert (event.new_value, event.actor_type, event.reason) == ("in_progress", "integration", "Looking at it")
    assert event.actor_label.startswith("api-key:")
    refused = api.patch(f"{URL}/{ticket.ticket_id}", {"status": "received"}, format="json")
    assert refused.status_code == 409 and "cannot go from 'in_progress' to 'received'" in refused.json()["errors"]["status"][0]
    assert api.patch(f"{URL}/{ticket.ticket_id}", {"status": "archived"}, format="json").status_code == 400
    assert api.patch(f"{URL}/{ticket.ticket_id}", {"department": "weather"}, format="json").status_code == 400
    assert api.patch(f"{URL}/{ticket.ticket_id}", {}, format="json").status_code == 400
    moved = api.patch(f"{URL}/{ticket.ticket_id}", {"department": "account", "priority": "high"}, format="json").json()
    assert moved["routing"]["department"] == "account" and moved["priority"]["level"] == "high"


def test_stats(api, processed):
    body = api.get(URL + "/stats?period=7d").json()
    assert body["total"] == 3 and body["period_hours"] == 168
    assert body["by_priority"]["critical"] == 1 and body["by_department"]["billing"] == 1 and body["by_source"]["email"] == 1
    assert body["chatbot_resolution_rate"] == 0.0 and body["mean_first_response_minutes"] is None
    assert body["chatbot_deflection_rate"] is None
    assert api.get(URL + "/stats?period=24h").json()["period_hours"] == 24
    for bad in ("7w", "0d", "999d", "abc"):
        response = api.get(URL + f"/stats?period={bad}")
        assert response.status_code == 400 and "period" in response.json()["errors"]


def test_feedback(api, processed):
    ticket = processed["invoice"]
    url = "/api/support/feedback"
    payload = {"ticket_id": str(ticket.ticket_id), "customer_email": "cliente@example.com", "satisfaction_score": 5,
               "nps_score": 9, "feedback_text": "Excelente atención"}
    assert api.post(url, {**payload, "satisfaction_score": 6}, format="json").status_code == 400
    wrong = api.post(url, {**payload, "customer_email": "other@example.com"}, format="json")
    assert wrong.status_code == 400 and "customer_email" in wrong.json()["errors"]
    assert Feedback.objects.count() == 0
    created = api.post(url, payload, format="json")
    assert created.status_code == 201 and created.json()["satisfaction_score"] == 5
    assert api.post(url, payload, format="json").status_code == 409
    assert ticket.events.filter(kind="feedback").count() == 1
    listed = api.get(f"{url}?ticket_id={ticket.ticket_id}&customer_email=cliente@example.com").json()
    assert [item["feedback_text"] for item in listed["results"]] == ["Excelente atención"]
    assert api.get(f"{url}?customer_email=nobody@example.com").json()["results"] == []


def test_staff_sessions_see_what_their_role_allows(processed):
    agent = APIClient()
    agent.force_login(User.objects.get(username="laura.sanchez"))  # billing agent
    ids = {r["ticket_id"] for r in agent.get(URL).json()["results"]}
    assert ids == {str(processed["invoice"].ticket_id)}
    assert agent.get(f"{URL}/{processed['urgent'].ticket_id}").status_code == 404
    supervisor = APIClient()
    supervisor.force_login(User.objects.get(username="ana.garcia"))
    assert supervisor.get(URL).json()["count"] == 3
    customer_user = APIClient()
    customer_user.force_login(User.objects.create_user("visitor", password="x"))
    assert customer_user.get(URL).status_code == 403


def test_schema_is_valid_and_documents_the_api(client):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = out.getvalue()
    for path in ("/api/support/tickets:", "/api/support/tickets/{ticket_id}:", "/api/support/tickets/stats:", "/api/support/feedback:"):
        assert path in schema
    assert "ApiKeyAuth" in schema and "Prefer" in schema and "Idempotency-Key" in schema


def test_an_agent_sees_the_answer_for_a_ticket_routed_elsewhere(desk):
    agent = APIClient()
    agent.force_login(User.objects.get(username="laura.sanchez"))  # billing agent
    payload = {"subject": "App crashes", "description": "Error 500", "customer_email": "cliente@example.com"}
    first = agent.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="phone-call-17")
    replay = agent.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="phone-call-17")
    assert first.status_code == replay.status_code == 202
    assert first.json()["ticket_id"] == replay.json()["ticket_id"]
    assert agent.get(f"{URL}/{first.json()['ticket_id']}").status_code == 404  # reading it later is still scoped


def test_list_query_count_does_not_grow_with_the_page(api, processed, django_assert_max_num_queries):
    from tickets.services.intake import intake_ticket

    with django_assert_max_num_queries(8) as few:
        assert api.get(URL).json()["count"] == 3
    for n in range(12):
        ticket = intake_ticket(data={"source": "web", "subject": f"S{n}", "description": "", "customer_email": f"n{n}@example.com"}).ticket
        pipeline.run_pipeline(ticket_id=ticket.ticket_id)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        assert api.get(URL).json()["count"] == 15
    assert len(many.captured_queries) <= len(few.captured_queries)  # the first also stamps the key's last use


def test_only_supervisors_move_tickets_between_departments(processed):
    ticket = processed["invoice"]
    agent = APIClient()
    agent.force_login(User.objects.get(username="laura.sanchez"))  # billing agent, the ticket is billing's
    refused = agent.patch(f"{URL}/{ticket.ticket_id}", {"department": "account"}, format="json")
    assert refused.status_code == 403 and "Only supervisors" in refused.json()["detail"]
    assert agent.patch(f"{URL}/{ticket.ticket_id}", {"status": "in_progress"}, format="json").status_code == 200
    ticket.refresh_from_db()
    assert ticket.department.code == "billing"
    supervisor = APIClient()
    supervisor.force_login(User.objects.get(username="ana.garcia"))
    assert supervisor.patch(f"{URL}/{ticket.ticket_id}", {"department": "account"}, format="json").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_wait_gives_the_connection_back_between_polls(desk, monkeypatch):
    """A request waiting on the pipeline must not hold a (pooled) connection while it sleeps."""
    from django.db import connection

    from tickets import selectors
    from tickets.services.intake import intake_ticket

    ticket = intake_ticket(data={"source": "web", "subject": "S", "description": "", "customer_email": "w@example.com"}).ticket
    held_while_sleeping = []
    monkeypatch.setattr(selectors.time, "sleep", lambda seconds: held_while_sleeping.append(connection.connection is not None))
    assert selectors.wait_until_processed(ticket_pk=ticket.pk, seconds=0.05, poll_seconds=0.01) is False
    assert held_while_sleeping and not any(held_while_sleeping)
    pipeline.run_pipeline(ticket_id=ticket.ticket_id)
    assert selectors.wait_until_processed(ticket_pk=ticket.pk, seconds=5) is True


@pytest.mark.django_db(transaction=True)
def test_simultaneous_duplicates_make_one_ticket(desk):
    """Eight identical requests at once (same Idempotency-Key): one ticket, eight identical answers."""
    import threading

    from django.db import connections

    issued = create_api_key(name="burst")
    barrier = threading.Barrier(8)
    answers = []

    def send():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {issued.raw_key}")
        barrier.wait()
        try:
            response = post(client, VALID, HTTP_IDEMPOTENCY_KEY="burst-1")
            answers.append((response.status_code, response.json()["ticket_id"]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 8 and {code for code, _ in answers} == {202}
    assert len({ticket_id for _, ticket_id in answers}) == 1
    assert Ticket.objects.count() == 1 and TicketEvent.objects.filter(kind="created").count() == 1
