// Copy buttons (CSP-safe, no inline script): a <button data-copy="ID" hidden> copies the text of the
// field with that id. Without script the button stays hidden and the field is there to select and copy.
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.dataset.copy);
    if (!source) return;
    var status = button.parentNode.querySelector(".copy-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = function () {
        if (status) status.textContent = button.dataset.copied || "";
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.value).then(done, function () {
          source.select();
        });
      } else {
        source.select();
        if (document.execCommand && document.execCommand("copy")) done();
      }
    });
  });
})();
