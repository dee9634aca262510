// Copy buttons: <button data-copy="input-id">. No framework, no build step.
document.querySelectorAll("[data-copy]").forEach(function (b) {
  b.addEventListener("click", function () {
    var el = document.getElementById(b.dataset.copy);
    el.select();
    if (navigator.clipboard) navigator.clipboard.writeText(el.value).catch(function () {});
    else document.execCommand("copy");
    b.textContent = "Copied";
  });
});
