/* The support dashboard: draws the dashboard API's figures and keeps them current.
 * Updates: a websocket message per ticket change schedules one refetch (after the server's
 * shared cache expires, so every refetch brings new figures). Polling every poll_seconds covers
 * the embedded mode, where the worker's changes cannot reach this page's socket, and any time the
 * socket is not open; with a socket that carries every change it slows to safety_poll_seconds. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("dashboard-config").textContent);
  const L = config.labels;
  const root = document.getElementById("dashboard");
  const charts = {};
  let socketOpen = false;
  let refreshTimer = null;
  let last = null;

  const el = (tag, attrs, text) => {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => node.setAttribute(key, value));
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  };
  const number = (value) => (value === null || value === undefined ? "—" : Number(value).toLocaleString(config.language));
  const percent = (value) => (value === null || value === undefined ? "—" : (value * 100).toLocaleString(config.language, {maximumFractionDigits: 1}) + " %");
  const minutes = (value) => {
    if (value === null || value === undefined) return "—";
    if (value >= 120) return (value / 60).toLocaleString(config.language, {maximumFractionDigits: 1}) + " h";
    return value.toLocaleString(config.language, {maximumFractionDigits: 1}) + " min";
  };

  function tile(key, label, value, note, tone) {
    const box = el("div", {"class": "border border-base-200 rounded p-3 bg-white dark:bg-base-900", "data-kpi": key});
    box.appendChild(el("div", {"class": "text-xs text-base-500"}, label));
    box.appendChild(el("div", {"class": "text-2xl font-semibold " + (tone || ""), "data-value": ""}, value));
    if (note) box.appendChild(el("div", {"class": "text-xs text-base-500"}, note));
    return box;
  }

  function change(pct) {
    if (pct === null || pct === undefined) return L.no_previous;
    return (pct > 0 ? "+" : "") + pct.toLocaleString(config.language) + " % " + L.vs_previous;
  }

  function renderKpis(d) {
    const box = document.getElementById("kpis");
    box.replaceChildren(
      tile("tickets", L.tickets, number(d.volume.total), change(d.volume.change_pct)),
      tile("backlog", L.backlog, number(d.backlog.total), L.unassigned.replace("%s", number(d.backlog.unassigned)),
           d.backlog.by_priority.critical ? "text-red-600" : ""),
      tile("chatbot", L.chatbot, percent(d.chatbot.resolution_rate), L.deflection.replace("%s", percent(d.chatbot.deflection_rate))),
      tile("first_response", L.first_response, minutes(d.first_response.median_minutes), L.p90.replace("%s", minutes(d.first_response.p90_minutes))),
      tile("resolution", L.resolution, minutes(d.resolution.median_minutes), L.fcr.replace("%s", percent(d.first_contact_resolution.rate))),
      tile("sla", L.sla, percent(d.sla.compliance_rate), L.breached.replace("%s", number(d.sla.breached_now)),
           d.sla.breached_now ? "text-red-600" : ""),
      tile("csat", L.csat, d.csat.mean === null ? "—" : d.csat.mean.toLocaleString(config.language), L.responses.replace("%s", number(d.csat.responses))),
      tile("nps", L.nps, d.nps.score === null ? "—" : d.nps.score.toLocaleString(config.language), L.responses.replace("%s", number(d.nps.responses))),
    );
  }

  function chart(id, type, data, options) {
    if (typeof Chart === "undefined") return;
    if (charts[id]) {
      charts[id].data = data;
      charts[id].update("none");
      return;
    }
    charts[id] = new Chart(document.getElementById(id), {
      type, data,
      options: Object.assign({responsive: true, maintainAspectRatio: false, animation: false, plugins: {legend: {display: type === "doughnut"}}}, options || {}),
    });
  }

  function bucketLabel(start, granularity) {
    const moment = new Date(start);
    const options = granularity === "hour" ? {hour: "2-digit", minute: "2-digit", timeZone: config.time_zone}
                                           : {day: "numeric", month: "short", timeZone: config.time_zone};
    return moment.toLocaleString(config.language, options);
  }

  function renderCharts(d) {
    const series = d.volume.series;
    chart("chart-volume", "bar", {
      labels: series.map((b) => bucketLabel(b.start, d.volume.granularity)),
      datasets: [{label: L.tickets, data: series.map((b) => b.count), backgroundColor: "#6366f1"}],
    }, {scales: {y: {beginAtZero: true, ticks: {precision: 0}}}});
    const levels = Object.keys(d.volume.by_priority);
    chart("chart-priority", "doughnut", {
      labels: levels.map((level) => L.priorities[level] || level),
      datasets: [{data: levels.map((level) => d.volume.by_priority[level]),
                  backgroundColor: ["#b91c1c", "#ea580c", "#f59e0b", "#3b82f6", "#94a3b8"]}],
    });
    chart("chart-categories", "bar", {
      labels: d.top_categories.map((c) => c.label),
      datasets: [{label: L.tickets, data: d.top_categories.map((c) => c.count), backgroundColor: "#0ea5e9"}],
    }, {indexAxis: "y", scales: {x: {beginAtZero: true, ticks: {precision: 0}}}});
    const people = d.agents.workload;
    chart("chart-agents", "bar", {
      labels: people.map((a) => a.name),
      datasets: [
        {label: L.active, data: people.map((a) => a.active),
         backgroundColor: people.map((a) => (a.active > a.capacity ? "#dc2626" : a.active === a.capacity ? "#f59e0b" : "#22c55e"))},
        {label: L.capacity, data: people.map((a) => Math.max(a.capacity - a.active, 0)), backgroundColor: "#e5e7eb"},
      ],
    }, {indexAxis: "y", plugins: {legend: {display: true}}, scales: {x: {stacked: true, beginAtZero: true, ticks: {precision: 0}}, y: {stacked: true}}});
  }

  function renderTables(d) {
    const rows = document.getElementById("sla-rows");
    rows.replaceChildren(...(d.sla.at_risk.length ? d.sla.at_risk.map((item) => {
      const tr = el("tr", {"class": "border-t"});
      const cell = el("td");
      cell.appendChild(el("a", {"href": config.ticket_url + item.pk + "/change/", "class": "text-primary-600"}, "#" + item.reference + " " + item.subject));
      tr.append(cell, el("td", {}, L.priorities[item.priority] || item.priority),
                el("td", {"class": item.state === "breached" ? "text-red-600" : "text-amber-600"}, L.states[item.state] || item.state),
                el("td", {"class": item.minutes_left < 0 ? "text-red-600" : ""}, item.minutes_left === null ? "—"
                  : item.minutes_left < 0 ? L.overdue.replace("%s", minutes(-item.minutes_left)) : L.due_in.replace("%s", minutes(item.minutes_left))),
                el("td", {}, item.agent || "—"));
      return tr;
    }) : [el("tr", {}, L.no_sla)]));
    const list = document.getElementById("feedback-rows");
    list.replaceChildren(...(d.recent_feedback.length ? d.recent_feedback.map((item) => {
      const li = el("li", {"class": "border-t pt-2"});
      li.appendChild(el("strong", {"class": item.satisfaction <= 2 ? "text-red-600" : ""}, "★".repeat(item.satisfaction) + "☆".repeat(5 - item.satisfaction)));
      li.appendChild(el("span", {"class": "text-base-500"}, " #" + item.reference + " · " + item.customer));
      if (item.comment) li.appendChild(el("div", {}, item.comment));
      return li;
    }) : [el("li", {}, L.no_feedback)]));
  }

  function status() {
    const mode = socketOpen && config.socket_carries_all ? L.live_socket : L.live_poll.replace("%s", config.poll_seconds);
    const when = last ? new Date(last.generated_at).toLocaleTimeString(config.language) : "—";
    document.getElementById("live-status").textContent = mode + " · " + L.updated.replace("%s", when);
  }

  async function load() {
    try {
      const response = await fetch(config.api_url + "?period=" + encodeURIComponent(config.period), {credentials: "same-origin", headers: {"Accept": "application/json"}});
      if (!response.ok) throw new Error("HTTP " + response.status);
      const data = await response.json();
      const fresh = !last || data.generated_at !== last.generated_at;
      last = data;
      renderKpis(data);
      renderCharts(data);
      renderTables(data);
      root.dataset.state = "ready";
      root.dataset.generatedAt = data.generated_at;
      root.dataset.tickets = data.volume.total;
      status();
      return fresh;
    } catch (error) {
      root.dataset.state = "error";
      document.getElementById("live-status").textContent = L.error + " (" + error.message + ")";
      return true;
    }
  }

  // One refetch per change burst, once the server's cached figures have expired.
  function scheduleRefresh() {
    if (refreshTimer) return;
    const expires = last ? new Date(last.generated_at).getTime() + config.cache_seconds * 1000 : 0;
    const wait = Math.max(1000, expires - Date.now() + 250);
    refreshTimer = setTimeout(async () => {
      refreshTimer = null;
      if (!(await load())) scheduleRefresh();  // still the cached copy: try once more after it expires
    }, wait);
  }

  function connect() {
    if (!("WebSocket" in window)) return;
    const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + config.websocket_path);
    socket.onopen = () => { socketOpen = true; status(); };
    socket.onmessage = (message) => {
      const event = JSON.parse(message.data);
      root.dataset.lastEvent = event.change + ":" + event.ticket_id;
      scheduleRefresh();
    };
    socket.onclose = () => { socketOpen = false; status(); setTimeout(connect, 5000); };
  }

  // Poll often while no socket carries every change (embedded mode, a proxy refusing websockets,
  // a dropped connection); only as a safety net while one does.
  function pollLater() {
    const seconds = socketOpen && config.socket_carries_all ? config.safety_poll_seconds : config.poll_seconds;
    setTimeout(async () => { await load(); pollLater(); }, seconds * 1000);
  }

  load();
  connect();
  pollLater();
})();
