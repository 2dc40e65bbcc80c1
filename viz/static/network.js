// Draw the who-does-what network with vis-network.
//
// The data comes from the JSON element #network-data. Every text in it (labels, tooltips,
// menu entries) comes from the store, so it is only ever set with textContent, `value` or
// vis-network's canvas labels, never parsed as HTML.
(function () {
  "use strict";

  var DIMMED_NODE = { background: "#eceff1", border: "#d9dee3" };
  var DIMMED_EDGE = "#eceff1";
  var DIMMED_FONT = "#b0b7bf";

  var data = JSON.parse(document.getElementById("network-data").textContent);
  var kindsByName = {};
  data.kinds.forEach(function (kind) { kindsByName[kind.kind] = kind; });
  var nodesById = {};
  data.nodes.forEach(function (node) { nodesById[node.id] = node; });

  var nodes = new vis.DataSet(data.nodes.map(toVisNode));
  var edges = new vis.DataSet(data.edges.map(toVisEdge));
  var container = document.getElementById("network-canvas");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);
  window.maillageNetwork = network;
  // Tests and scripts wait for this mark before reading positions on the screen.
  network.once("afterDrawing", function () { container.dataset.drawn = "true"; });

  var highlighted = null;
  var shownKind = "";

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
    return copy;
  }

  function toVisEdge(edge, index) {
    var copy = Object.assign({}, edge);
    copy.id = "edge-" + index;
    copy.title = tooltip(edge.title || edge.relation);
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
    var labels = document.getElementById("network-labels");
    data.nodes.forEach(function (node) {
      var option = document.createElement("option");
      option.value = node.label;
      labels.appendChild(option);
    });
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

  fillControls();
  document.getElementById("network-search").addEventListener("submit", onSearch);
  document.getElementById("network-kind").addEventListener("change", function (event) {
    shownKind = event.target.value;
    redraw();
  });
  network.on("click", function (params) {
    highlighted = params.nodes.length > 0 ? params.nodes[0] : null;
    redraw();
  });
  network.on("doubleClick", function (params) {
    if (params.nodes.length === 0) { return; }
    var url = nodes.get(params.nodes[0]).url;
    // Only the repository's own item pages are opened.
    if (typeof url === "string" && url.indexOf("/id/") === 0) { window.location.assign(url); }
  });
})();
