// "Visa lösenord": the box under a password field shows what is typed. Without JavaScript
// the box stays hidden, so it never does nothing.
document.querySelectorAll('[data-reveal]').forEach(function (box) {
  var field = document.getElementById(box.getAttribute('data-reveal'));
  if (!field) return;
  box.closest('.reveal').hidden = false;
  box.addEventListener('change', function () {
    field.type = box.checked ? 'text' : 'password';
  });
});
