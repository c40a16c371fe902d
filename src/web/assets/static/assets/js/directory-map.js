// Draws the places of the services listed, with Leaflet and no tile server (as the area
// maps do): each place a circle that opens a link to its service, and the postcode searched
// from. The data comes from a JSON block in the page (json_script), never as markup; the
// list beside the map holds every service and address, for everyone who cannot see the map
// or runs no script. Loaded as an external module, so the Content Security Policy allows no
// inline script.
const container = document.getElementById("services-map");

function popupFor(place) {
  const box = document.createElement("div");
  const link = document.createElement("a");
  link.className = "govuk-link";
  link.href = place.url;
  link.textContent = place.service;
  const where = document.createElement("p");
  where.textContent = place.place;
  box.append(link, where);
  return box;
}

function draw() {
  const data = JSON.parse(document.getElementById(container.dataset.points).textContent);
  const L = window.L;
  const map = L.map(container, { scrollWheelZoom: false });
  map.attributionControl.setPrefix("Leaflet");
  const layer = L.featureGroup();
  for (const place of data.places) {
    L.circleMarker([place.latitude, place.longitude], {
      radius: 8,
      color: "#0b0c0c",
      weight: 2,
      fillColor: "#005a55",
      fillOpacity: 0.9,
    })
      .bindPopup(() => popupFor(place))
      .addTo(layer);
  }
  if (data.centre) {
    L.circleMarker([data.centre.latitude, data.centre.longitude], {
      radius: 6,
      color: "#0b0c0c",
      weight: 3,
      fillColor: "#0b0c0c",
      fillOpacity: 1,
    })
      .bindTooltip(data.centre.postcode)
      .addTo(layer);
  }
  layer.addTo(map);
  map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 15 });
}

if (container && window.L) {
  try {
    draw();
  } catch {
    container.closest("figure").hidden = true;
  }
} else if (container) {
  container.closest("figure").hidden = true;
}
