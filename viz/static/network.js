// Draw the who-does-what network with vis-network.
//
// The data comes from the JSON element #network-data. Every text in it (labels, tooltips,
// menu entries) comes from the store, so it is only ever set with textContent, `value` or
// vis-network's canvas labels, never parsed as HTML.
(function () {
  "use strict";

  // The page's own marks of its steps before the first draw, read by bench/network.py
  // with performance.getEntriesByType("mark").
  performance.mark("maillage-script-start");

  var DIMMED_NODE = { background: "#eceff1", border: "#d9dee3" };
  var DIMMED_EDGE = "#eceff1";
  var DIMMED_FONT = "#b0b7bf";
  // vis-network 9.1.2 draws a node label only when its font is at least
  // scaling.label.drawThreshold - 1 = 4 pixels high on the screen.
  var LABEL_MIN_PIXELS = 4;
  // vis-network's fit() shows 1.1 times the extent of the nodes.
  var FIT_MARGIN = 1.1;

  var data = JSON.parse(document.getElementById("network-data").textContent);
  data.nodes = fromRows(data.node_fields, data.nodes);
  data.edges = fromRows(data.edge_fields, data.edges);
  data.edges.forEach(function (edge) {
    edge.from = data.nodes[edge.from].id;
    edge.to = data.nodes[edge.to].id;
  });
  performance.mark("maillage-json-parsed");
  var kindsByName = {};
  data.kinds.forEach(function (kind) { kindsByName[kind.kind] = kind; });
  var nodesById = {};
  data.nodes.forEach(function (node) { nodesById[node.id] = node; });

  var container = document.getElementById("network-canvas");
  var fontSize = data.options.nodes.font.size;
  // vis-network measures every label while it builds the network, even those too small
  // to draw. When no label would show at the scale of the first draw, the nodes start
  // without labels and get them once the view is zoomed in far enough.
  var labelsShown = fitScale() * fontSize >= LABEL_MIN_PIXELS;
  var nodes = new vis.DataSet(data.nodes.map(toVisNode));
  var edges = new vis.DataSet(data.edges.map(toVisEdge));
  performance.mark("maillage-datasets-built");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);
  performance.mark("maillage-network-built");
  window.maillageNetwork = network;
  // Tests and scripts wait for this mark before reading positions on the screen;
  // maillageDrawnAt is the time of the first full draw, in ms since navigation start.
  network.once("afterDrawing", function () {
    window.maillageDrawnAt = performance.now();
    performance.mark("maillage-drawn");
    container.dataset.drawn = "true";
    showLabelsWhenReadable();
    // The long menus and the analytics come after the browser has shown the first
    // draw, so that they delay neither the draw nor its display.
    window.setTimeout(function () {
      fillFilters();
      fillSearchList();
      loadAnalytics();
    }, 0);
  });

  var highlighted = null;
  var shownKind = "";

  // Return one object per row of the page's compact JSON, without its null values.
  function fromRows(fields, rows) {
    return rows.map(function (row) {
      var item = {};
      fields.forEach(function (field, column) {
        if (row[column] !== null) { item[field] = row[column]; }
      });
      return item;
    });
  }

  // Return the scale at which vis-network's fit() will first show the nodes, from
  // their positions and sizes, or a little more: fit() also counts the labels.
  function fitScale() {
    if (data.nodes.length === 0) { return 1; }
    var left = Infinity, right = -Infinity, top = Infinity, bottom = -Infinity;
    data.nodes.forEach(function (node) {
      left = Math.min(left, node.x - node.size);
      right = Math.max(right, node.x + node.size);
      top = Math.min(top, node.y - node.size);
      bottom = Math.max(bottom, node.y + node.size);
    });
    var width = FIT_MARGIN * (right - left);
    var height = FIT_MARGIN * (bottom - top);
    return Math.min(container.clientWidth / width, container.clientHeight / height);
  }

  function showLabelsWhenReadable() {
    if (labelsShown || network.getScale() * fontSize < LABEL_MIN_PIXELS) { return; }
    labelsShown = true;
    nodes.update(data.nodes.map(function (node) {
      return { id: node.id, label: node.label };
    }));
  }

  // A tooltip is a plain element holding text, so markup in a title shows as written.
  function tooltip(text) {
    var element = document.createElement("div");
    element.className = "network-tooltip";
    element.textContent = text;
    return element;
  }

  function toVisNode(node) {
    var copy = Object.assign({}, node);
    copy.title = tooltip(node.title || node.label);
    copy.baseColor = node.color;
    if (!labelsShown) { delete copy.label; }
    return copy;
  }

  function toVisEdge(edge, index) {
    var copy = Object.assign({}, edge);
    copy.id = "edge-" + index;
    copy.plainTitle = edge.title || edge.relation;
    copy.title = tooltip(copy.plainTitle);
    copy.baseColor = edge.color;
    return copy;
  }

  function appendLegendEntry(list, label, colour, shape) {
    var item = document.createElement("li");
    var swatch = document.createElement("span");
    swatch.className = "network-swatch " + shape;
    swatch.style.backgroundColor = colour;
    var text = document.createElement("span");
    text.textContent = label;
    item.appendChild(swatch);
    item.appendChild(text);
    list.appendChild(item);
  }

  function fillControls() {
    var legend = document.getElementById("network-legend");
    var select = document.getElementById("network-kind");
    data.kinds.forEach(function (kind) {
      appendLegendEntry(legend, kind.label, kind.color, kind.shape);
      if (kind.actor) {
        var option = document.createElement("option");
        option.value = kind.kind;
        option.textContent = kind.label;
        select.appendChild(option);
      }
    });
    var relationList = document.getElementById("network-relations");
    var colours = {};
    data.edges.forEach(function (edge) { colours[edge.relation] = edge.color; });
    data.relations.forEach(function (relation) {
      if (colours[relation.relation]) {
        appendLegendEntry(relationList, relation.label, colours[relation.relation], "line");
      }
    });
    if (data.edges.some(function (edge) { return edge.validity === "unknown"; })) {
      appendLegendEntry(relationList, "validité inconnue à cette date",
        data.unknown_edge_color, "line");
    }
    document.getElementById("network-summary").textContent =
      data.nodes.length + " nœuds, " + data.edges.length + " liens";
  }

  function isActor(node) {
    var kind = kindsByName[node.kind];
    return Boolean(kind && kind.actor);
  }

  // Return the ids of the nodes the kind filter keeps: the actors of the chosen kind, the
  // actions and competences they are linked to, and the competences of those actions.
  function visibleNodeIds() {
    var visible = new Set();
    data.nodes.forEach(function (node) {
      if (shownKind === "" || node.kind === shownKind) { visible.add(node.id); }
    });
    if (shownKind === "") { return visible; }
    var reached = new Set();
    data.edges.forEach(function (edge) {
      if (visible.has(edge.from) && !isActor(nodesById[edge.to])) { reached.add(edge.to); }
    });
    data.edges.forEach(function (edge) {
      if (reached.has(edge.from) && !isActor(nodesById[edge.to])) { visible.add(edge.to); }
    });
    reached.forEach(function (id) { visible.add(id); });
    return visible;
  }

  function neighbourhood(id) {
    var around = new Set([id]);
    network.getConnectedNodes(id).forEach(function (other) { around.add(other); });
    return around;
  }

  // Redraw every node and edge from the kind filter and the highlighted node, in one update.
  function redraw() {
    var visible = visibleNodeIds();
    var lit = highlighted === null ? null : neighbourhood(highlighted);
    nodes.update(nodes.get().map(function (node) {
      var dimmed = lit !== null && !lit.has(node.id);
      return {
        id: node.id,
        hidden: !visible.has(node.id),
        color: dimmed ? DIMMED_NODE : node.baseColor,
        font: { color: dimmed ? DIMMED_FONT : "#1f2933" },
      };
    }));
    edges.update(edges.get().map(function (edge) {
      var dimmed = lit !== null && edge.from !== highlighted && edge.to !== highlighted;
      return {
        id: edge.id,
        hidden: !visible.has(edge.from) || !visible.has(edge.to),
        color: { color: dimmed ? DIMMED_EDGE : edge.baseColor },
      };
    }));
  }

  function normalise(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function findNode(query) {
    var needle = normalise(query);
    if (needle === "") { return null; }
    var exact = data.nodes.find(function (node) { return normalise(node.label) === needle; });
    return exact || data.nodes.find(function (node) {
      return normalise(node.label).indexOf(needle) !== -1;
    }) || null;
  }

  function focusNode(id) {
    highlighted = id;
    redraw();
    network.selectNodes([id]);
    network.focus(id, { scale: 1.2, animation: { duration: 400 } });
  }

  function onSearch(event) {
    event.preventDefault();
    var input = document.getElementById("network-search-input");
    var status = document.getElementById("network-search-status");
    var found = findNode(input.value);
    if (found === null) {
      status.textContent = "Aucun nœud ne correspond à « " + input.value + " ».";
      return;
    }
    status.textContent = "";
    if (nodes.get(found.id).hidden) {
      shownKind = "";
      document.getElementById("network-kind").value = "";
    }
    focusNode(found.id);
  }

  function addOption(select, entry) {
    var option = document.createElement("option");
    option.value = entry.value;
    option.textContent = entry.label;
    option.selected = Boolean(entry.selected);
    select.appendChild(option);
  }

  // Fill a menu of the filter form, grouping entries that carry a group name.
  function fillMenu(id, entries) {
    var select = document.getElementById(id);
    var groups = {};
    entries.forEach(function (entry) {
      if (!entry.group) { addOption(select, entry); return; }
      if (!groups[entry.group]) {
        groups[entry.group] = document.createElement("optgroup");
        groups[entry.group].label = entry.group;
        select.appendChild(groups[entry.group]);
      }
      addOption(groups[entry.group], entry);
    });
  }

  function fillSearchList() {
    var labels = document.getElementById("network-labels");
    data.nodes.forEach(function (node) {
      var option = document.createElement("option");
      option.value = node.label;
      labels.appendChild(option);
    });
  }

  function fillFilters() {
    var filters = data.filters || { date: "", competences: [], themes: [], territories: [] };
    document.getElementById("network-date").value = filters.date;
    fillMenu("network-competence", filters.competences);
    fillMenu("network-theme", filters.themes);
    fillMenu("network-territory", filters.territories);
    ["graphml", "gexf", "json", "analytics"].forEach(function (name) {
      var link = document.getElementById("network-export-" + name);
      link.href = link.getAttribute("href") + window.location.search;
    });
  }

  // Only the repository's own pages and web documents become links.
  function safeHref(url) {
    if (typeof url !== "string") { return null; }
    if (url.indexOf("/id/") === 0) { return url; }
    if (/^https?:\/\//.test(url)) { return url; }
    return null;
  }

  function appendDetail(list, term, text, url) {
    if (!text) { return; }
    var title = document.createElement("dt");
    title.textContent = term;
    var value = document.createElement("dd");
    value.appendChild(linkOrText(text, url));
    list.appendChild(title);
    list.appendChild(value);
  }

  function validityText(edge) {
    var parts = [];
    if (edge.start) { parts.push("depuis le " + edge.start); }
    if (edge.end) { parts.push("jusqu'au " + edge.end + " exclu"); }
    if (!edge.start && edge.observed) { parts.push("constaté le " + edge.observed); }
    if (edge.validity === "unknown") { parts.push("inconnue à la date choisie"); }
    return parts.join(", ");
  }

  // Show what grounds an edge: the act or the action sheet, and the document.
  function showEdge(id) {
    var edge = edges.get(id);
    var section = document.getElementById("network-edge");
    var list = document.getElementById("network-edge-details");
    list.replaceChildren();
    document.getElementById("network-edge-relation").textContent =
      edge.plainTitle.split("\n")[0];
    if (edge.basis_label) {
      appendDetail(list, "Base", edge.basis_label, edge.basis_url);
    } else {
      appendDetail(list, "Base", "Aucun acte enregistré pour ce lien.", null);
    }
    appendDetail(list, "Document", edge.document_label, edge.document_url);
    appendDetail(list, "Validité", validityText(edge), null);
    var origin = edge.relation === "holds" ? "Transfert" : "Adhésion";
    appendDetail(list, origin, edge.origin_url ? "Voir la fiche" : "", edge.origin_url);
    section.hidden = false;
  }

  function hideEdge() {
    document.getElementById("network-edge").hidden = true;
  }

  // Return a link to `url` showing `text`, or the text alone for an unsafe address.
  function linkOrText(text, url) {
    var href = safeHref(url);
    if (!href) { return document.createTextNode(text); }
    var link = document.createElement("a");
    link.href = href;
    link.textContent = text;
    if (href.indexOf("/id/") !== 0) { link.rel = "external noopener noreferrer"; }
    return link;
  }

  function appendItem(list, text, url) {
    var item = document.createElement("li");
    item.appendChild(linkOrText(text, url));
    list.appendChild(item);
  }

  function showAnalytics(result) {
    var rows = document.querySelector("#network-central tbody");
    result.actors.slice(0, 10).forEach(function (actor) {
      var row = document.createElement("tr");
      var name = document.createElement("td");
      name.appendChild(linkOrText(actor.label, actor.url));
      var degree = document.createElement("td");
      degree.className = "number";
      degree.textContent = String(actor.degree);
      var betweenness = document.createElement("td");
      betweenness.className = "number";
      betweenness.textContent = actor.betweenness.toFixed(3);
      row.appendChild(name);
      row.appendChild(degree);
      row.appendChild(betweenness);
      rows.appendChild(row);
    });
    var isolated = document.getElementById("network-isolated");
    result.isolated_actors.forEach(function (actor) {
      appendItem(isolated, actor.label + " (" + actor.kind_label + ")", actor.url);
    });
    var themes = document.getElementById("network-themes");
    result.themes.forEach(function (theme) {
      var note = theme.status === "no-action" ? "aucune action" : "aucun pilote";
      appendItem(themes, theme.label + " : " + note, null);
    });
    var status = result.nodes + " nœuds analysés";
    if (result.betweenness_samples) {
      status += " ; intermédiarité estimée sur " + result.betweenness_samples + " nœuds";
    }
    document.getElementById("network-analytics-status").textContent = status + ".";
  }

  function loadAnalytics() {
    var status = document.getElementById("network-analytics-status");
    fetch("/network/analytics.json" + window.location.search)
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(showAnalytics)
      .catch(function () { status.textContent = "L'analyse n'a pas pu être chargée."; });
  }

  fillControls();
  document.getElementById("network-search").addEventListener("submit", onSearch);
  document.getElementById("network-kind").addEventListener("change", function (event) {
    shownKind = event.target.value;
    redraw();
  });
  // "zoom" follows the mouse wheel and pinches; "animationFinished" follows focus().
  network.on("zoom", showLabelsWhenReadable);
  network.on("animationFinished", showLabelsWhenReadable);
  network.on("click", function (params) {
    highlighted = params.nodes.length > 0 ? params.nodes[0] : null;
    redraw();
    if (params.nodes.length === 0 && params.edges.length > 0) {
      showEdge(params.edges[0]);
    } else {
      hideEdge();
    }
  });
  network.on("doubleClick", function (params) {
    if (params.nodes.length === 0) { return; }
    var url = nodes.get(params.nodes[0]).url;
    // Only the repository's own item pages are opened.
    if (typeof url === "string" && url.indexOf("/id/") === 0) { window.location.assign(url); }
  });
})();
