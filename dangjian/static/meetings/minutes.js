// Minutes are text: photos and files go to the meeting's "Photos and attachments" card, not into the editor.
document.addEventListener("trix-file-accept", (event) => event.preventDefault());
