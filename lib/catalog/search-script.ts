/**
 * The search page's one script: instant, client-side search over the index embedded in the page
 * (`SearchDoc` rows). Every term must appear in a row's name, description, owner or tags; names
 * that start with a term rank first. Results are built with DOM nodes and `textContent`, never
 * HTML text, so nothing from a definition can become markup. `?q=` fills the box.
 */
export const SEARCH_SCRIPT = `
(function () {
  var docs = JSON.parse(document.getElementById('catalog-index').textContent);
  var hay = docs.map(function (d) {
    return (d.n + ' ' + d.k + ' ' + d.d + ' ' + d.o + ' ' + d.t).toLowerCase();
  });
  var names = docs.map(function (d) { return d.n.toLowerCase(); });
  var input = document.getElementById('q');
  var list = document.getElementById('results');
  var count = document.getElementById('count');
  var LIMIT = 100;
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }
  function run() {
    var terms = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
    if (terms.length === 0) {
      list.replaceChildren();
      count.textContent = '';
      return;
    }
    var hits = [];
    for (var i = 0; i < hay.length; i++) {
      var ok = true;
      for (var j = 0; j < terms.length && ok; j++) ok = hay[i].indexOf(terms[j]) !== -1;
      if (ok) hits.push(i);
    }
    function rank(i) {
      var n = names[i];
      return n.indexOf(terms[0]) === 0 ? 0 : n.indexOf(terms[0]) !== -1 ? 1 : 2;
    }
    hits.sort(function (a, b) { return rank(a) - rank(b) || (names[a] < names[b] ? -1 : 1); });
    var frag = document.createDocumentFragment();
    hits.slice(0, LIMIT).forEach(function (i) {
      var d = docs[i];
      var li = el('li', 'hit');
      li.appendChild(el('span', 'kind', d.k));
      var a = el('a', '', d.n);
      a.setAttribute('href', d.u);
      li.appendChild(a);
      var meta = [d.o, d.t].filter(Boolean).join(' · ');
      if (meta) li.appendChild(el('span', 'hit-meta', meta));
      if (d.d) li.appendChild(el('p', '', d.d));
      frag.appendChild(li);
    });
    list.replaceChildren(frag);
    count.textContent = hits.length + (hits.length === 1 ? ' match' : ' matches') +
      (hits.length > LIMIT ? ' (first ' + LIMIT + ' shown)' : '');
  }
  input.addEventListener('input', run);
  var q = new URLSearchParams(location.search).get('q');
  if (q) input.value = q;
  run();
  document.body.setAttribute('data-search-ready', String(docs.length));
})();
`;
