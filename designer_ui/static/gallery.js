/* The gallery: a card per record (read through the read gate, 24 at a time) with the thumbnails of the chosen picture
   field (a type with thumbnails; GET /api/attachments/<id>/thumbnail checks the reader may see the record) and the
   card fields as people read them. */
(function () {
  'use strict';

  var ff = window.formflow, B = ff.boards, t = ff.t;  // keys in full: tests/core/test_client_messages.py checks them
  var PER_PAGE = 24;
  var $ = function (id) { return document.getElementById(id); };
  var page = 1;

  function ids(value) { return Array.isArray(value) ? value : (value ? [value] : []); }
  function tile(item) {
    var li = B.card(item), fid = B.state.field, pics = ids(item.data && item.data[fid]);
    var figure = document.createElement('div');
    figure.className = 'gallery-pictures';
    if (!pics.length) {
      var none = document.createElement('span');
      none.className = 'gallery-none muted';
      none.textContent = t('records.board.no_picture');
      figure.appendChild(none);
    }
    pics.slice(0, 4).forEach(function (id) {
      var img = document.createElement('img');
      img.src = '/api/attachments/' + encodeURIComponent(id) + '/thumbnail';
      img.alt = t('records.board.picture_of', { title: B.titleOf(item) });
      img.loading = 'lazy';
      img.className = 'gallery-thumb';
      figure.appendChild(img);
    });
    li.insertBefore(figure, li.firstChild);
    return li;
  }
  function load(more) {
    page = more ? page + 1 : 1;
    B.read([], page, PER_PAGE, '-updated_at').then(function (r) {
      var list = $('gallery');
      if (!more) list.innerHTML = '';
      if (!r.ok) { B.say(B.reason(r), true); return; }
      r.data.items.forEach(function (item) { list.appendChild(tile(item)); });
      $('gallery-more').hidden = !r.data.has_more;
      $('board-total').textContent = r.data.total === null ? '' : t('records.board.shown', { shown: list.children.length, total: r.data.total });
      if (!list.children.length && (B.state.filters.length || B.state.search)) B.say(t('records.board.empty'));  // else #empty-state (boards.js)
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('gallery-more').addEventListener('click', function () { load(true); });
    B.start({ fits: 'thumbnails', render: function () { load(false); } });
  });
})();
