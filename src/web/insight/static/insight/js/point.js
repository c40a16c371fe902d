// The optional point on the area map: shows the chosen area's boundary (from the release's map
// data, no tile server) and puts a tap inside it into the form's hidden latitude and longitude.
// Without script the picker stays hidden and the form works without a point; the server checks
// that a point sent is inside the area.
const picker = document.querySelector(".bakehouse-point-picker");
const latitude = document.getElementById("id_latitude");
const longitude = document.getElementById("id_longitude");

function chosenCode() {
  if (picker.dataset.area) return picker.dataset.area;
  const checked = document.querySelector('input[name="area"]:checked');
  return checked ? checked.value : "";
}

async function start() {
  const response = await fetch(picker.dataset.geometryUrl, { credentials: "same-origin" });
  if (!response.ok) return;
  const data = await response.json();
  const L = window.L;
  picker.hidden = false;
  const map = L.map("insight-point-map", { scrollWheelZoom: false });
  map.attributionControl.setPrefix("Leaflet");
  let outline = null;
  let marker = null;

  function place(lat, lng) {
    if (marker) marker.remove();
    marker = null;
    latitude.value = lat === null ? "" : lat.toFixed(6);
    longitude.value = lng === null ? "" : lng.toFixed(6);
    if (lat !== null) {
      marker = L.circleMarker([lat, lng], { radius: 8, color: "#0b0c0c", fillColor: "#ffdd00", fillOpacity: 1 }).addTo(map);
    }
  }

  function show() {
    const feature = data.features.find((item) => item.properties.code === chosenCode());
    if (outline) outline.remove();
    picker.hidden = !feature;
    if (!feature) return;
    outline = L.geoJSON(feature, { style: { color: "#1d70b8", weight: 3, fillOpacity: 0.1 } }).addTo(map);
    outline.on("click", (event) => place(event.latlng.lat, event.latlng.lng));
    map.invalidateSize();
    map.fitBounds(outline.getBounds());
  }

  document.querySelectorAll('input[name="area"]').forEach((input) => {
    input.addEventListener("change", () => {
      place(null, null);
      show();
    });
  });
  document.getElementById("insight-point-clear").addEventListener("click", () => place(null, null));
  show();
  if (latitude.value && longitude.value) place(Number(latitude.value), Number(longitude.value));
}

if (picker && window.L) start();
