// The staff console's one script: suggests a slug from the company name while the slug field
// is untouched. The form works without it (the server suggests the same slug).
(function () {
  var name = document.getElementById("name");
  var slug = document.getElementById("slug");
  if (!name || !slug) { return; }
  var touched = slug.value !== "";
  slug.addEventListener("input", function () { touched = slug.value !== ""; });
  name.addEventListener("input", function () {
    if (touched) { return; }
    slug.placeholder = name.value.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63);
  });
})();
