"""django-unfold: the admin theme agents and supervisors work in."""

from __future__ import annotations

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

UNFOLD = {
    "SITE_TITLE": _("Support desk"),
    "SITE_HEADER": _("Support desk"),
    "SITE_SYMBOL": "support_agent",
    "SHOW_HISTORY": True,
    "SHOW_LANGUAGES": True,
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": True,
        "navigation": [
            {
                "title": _("Work"),
                "items": [
                    {"title": _("Tickets"), "icon": "confirmation_number", "link": reverse_lazy("admin:tickets_ticket_changelist"), "permission": "support_site.admin_utils.sidebar_tickets_ticket"},
                    {"title": _("Customers"), "icon": "group", "link": reverse_lazy("admin:tickets_customer_changelist"), "permission": "support_site.admin_utils.sidebar_tickets_customer"},
                    {"title": _("Feedback"), "icon": "reviews", "link": reverse_lazy("admin:tickets_feedback_changelist"), "permission": "support_site.admin_utils.sidebar_tickets_feedback"},
                ],
            },
            {
                "title": _("Knowledge and routing"),
                "items": [
                    {"title": _("FAQ articles"), "icon": "menu_book", "link": reverse_lazy("admin:chatbot_faqarticle_changelist"), "permission": "support_site.admin_utils.sidebar_chatbot_faqarticle"},
                    {"title": _("Bot interactions"), "icon": "smart_toy", "link": reverse_lazy("admin:chatbot_chatbotinteraction_changelist"), "permission": "support_site.admin_utils.sidebar_chatbot_chatbotinteraction"},
                    {"title": _("Routing rules"), "icon": "alt_route", "link": reverse_lazy("admin:routing_routingrule_changelist"), "permission": "support_site.admin_utils.sidebar_routing_routingrule"},
                    {"title": _("Priority settings"), "icon": "tune", "link": reverse_lazy("admin:routing_prioritysettings_changelist"), "permission": "support_site.admin_utils.sidebar_routing_prioritysettings"},
                ],
            },
            {
                "title": _("Team"),
                "items": [
                    {"title": _("Agents"), "icon": "badge", "link": reverse_lazy("admin:agents_agent_changelist"), "permission": "support_site.admin_utils.sidebar_agents_agent"},
                    {"title": _("Departments"), "icon": "apartment", "link": reverse_lazy("admin:agents_department_changelist"), "permission": "support_site.admin_utils.sidebar_agents_department"},
                    {"title": _("API keys"), "icon": "key", "link": reverse_lazy("admin:integrations_apikey_changelist"), "permission": "support_site.admin_utils.sidebar_integrations_apikey"},
                ],
            },
        ],
    },
}
