// The query page: load an example, send the query to /sparql, render the result.
// Everything comes from this server; the page loads no other script or style.
"use strict";

(function () {
  const data = JSON.parse(document.getElementById("query-data").textContent);
  const form = document.getElementById("query-form");
  const textarea = document.getElementById("query");
  const picker = document.getElementById("example");
  const description = document.getElementById("example-description");
  const status = document.getElementById("status");
  const downloads = document.getElementById("downloads");
  const output = document.getElementById("output");

  // SELECT and ASK return SPARQL JSON, CONSTRUCT and DESCRIBE return Turtle.
  const ACCEPT = "application/sparql-results+json, text/turtle;q=0.9";

  picker.addEventListener("change", function () {
    const example = data.examples.find((item) => item.slug === picker.value);
    if (!example) {
      description.textContent = "";
      return;
    }
    textarea.value = data.prefixes + "\n" + example.text;
    description.textContent = example.description;
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    runQuery(textarea.value);
  });

  async function runQuery(query) {
    status.textContent = "Requête en cours…";
    status.classList.remove("error");
    downloads.hidden = true;
    output.replaceChildren();
    const started = performance.now();
    let response;
    try {
      response = await fetch(data.endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/sparql-query", Accept: ACCEPT },
        body: query,
      });
    } catch (error) {
      showError("Le serveur ne répond pas : " + error.message);
      return;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    if (!response.ok) {
      showError(await describeError(response));
      return;
    }
    const mediaType = (response.headers.get("content-type") || "").split(";")[0];
    if (mediaType === "application/sparql-results+json") {
      const result = await response.json();
      if ("boolean" in result) {
        status.textContent = "Réponse : " + (result.boolean ? "oui" : "non") + ".";
        showDownloads(query, "ASK");
        return;
      }
      renderTable(result);
      const count = result.results.bindings.length;
      status.textContent = count + " solution" + (count > 1 ? "s" : "") +
        " en " + seconds + " s.";
      showDownloads(query, "SELECT");
      return;
    }
    const pre = document.createElement("pre");
    pre.className = "graph-result";
    pre.textContent = await response.text();
    output.append(pre);
    status.textContent = "Graphe reçu en " + seconds + " s.";
    showDownloads(query, "CONSTRUCT");
  }

  async function describeError(response) {
    let detail = response.statusText;
    try {
      const body = await response.json();
      detail = body.detail || detail;
    } catch (error) {
      // The body is not JSON: keep the status text.
    }
    const reasons = {
      400: "La requête n'est pas valide",
      406: "Aucun format disponible pour ce résultat",
      422: "Le résultat dépasse la taille permise",
      429: "Trop de requêtes en cours pour ce client",
      503: "La requête a dépassé le temps permis",
    };
    const reason = reasons[response.status] || "La requête a échoué";
    return reason + " (" + response.status + ") : " + detail;
  }

  function showError(message) {
    status.textContent = message;
    status.classList.add("error");
  }

  function renderTable(result) {
    const variables = result.head.vars;
    const table = document.createElement("table");
    table.className = "results";
    const head = table.createTHead().insertRow();
    for (const name of variables) {
      const cell = document.createElement("th");
      cell.scope = "col";
      cell.textContent = name;
      head.append(cell);
    }
    const body = table.createTBody();
    for (const binding of result.results.bindings) {
      const row = body.insertRow();
      for (const name of variables) {
        const cell = row.insertCell();
        if (binding[name]) {
          cell.append(...renderTerm(binding[name]));
        }
      }
    }
    output.append(table);
  }

  function renderTerm(term) {
    if (term.type === "uri") {
      const link = document.createElement("a");
      link.href = pageOf(term.value);
      link.textContent = term.value;
      return [link];
    }
    if (term.type === "bnode") {
      return [document.createTextNode("_:" + term.value)];
    }
    const nodes = [document.createTextNode(term.value)];
    const annotation = term["xml:lang"] ? "@" + term["xml:lang"] : "";
    if (annotation) {
      const note = document.createElement("span");
      note.className = "annotation";
      note.textContent = " " + annotation;
      nodes.push(note);
    }
    return nodes;
  }

  // An item IRI of this instance links to its page on this server.
  function pageOf(iri) {
    if (iri.startsWith(data.itemPrefix)) {
      return "/id/" + iri.slice(data.itemPrefix.length);
    }
    return iri;
  }

  function showDownloads(query, form) {
    downloads.replaceChildren(document.createTextNode("Télécharger : "));
    for (const [label, name] of data.downloads[form]) {
      const params = new URLSearchParams({ query: query, format: name });
      const link = document.createElement("a");
      link.href = data.endpoint + "?" + params.toString();
      link.textContent = label;
      link.setAttribute("download", "resultat." + name);
      downloads.append(link);
    }
    downloads.hidden = false;
  }
})();
