// gallery.* methods. Two unknowns of the real platform are settings here:
// - adding a rid a gallery already holds: nothing says Cincopa dedupes, so by default the
//   gallery holds it twice ('keep'); 'dedupe' ignores the repeat;
// - an unknown rid among several in one add_item (evidence §3.22: no source): 'refuse' answers
//   404 for the whole call and adds nothing; 'ignore' adds the known rids and says nothing of
//   the others (the alt answer carries no count either, so a client cannot tell).

import { ApiFailure, assetView, page, required, type Handler } from './api.ts';

export const galleryHandlers: Record<string, Handler> = {
  'gallery.create': (params, ctx) => {
    const gallery = ctx.state.createGallery(params.name ?? 'Untitled', params.description ?? '');
    return { fid: gallery.fid };
  },

  'gallery.list': (params, ctx) => {
    let galleries = [...ctx.state.galleries.values()];
    if (params.search) {
      // Cincopa's search syntax "caption=<text>" filters by name; plain text matches the name too.
      const needle = params.search.replace(/^caption=/, '').toLowerCase();
      galleries = galleries.filter((gallery) => gallery.name.toLowerCase().includes(needle));
    }
    // The notes give the page count as pages_count or page_count; alt uses the other spelling.
    const { slice, items_data } = page(galleries, params, ctx.settings.dialect === 'alt' ? 'page_count' : 'pages_count');
    return { galleries: slice.map((gallery) => ({ fid: gallery.fid, name: gallery.name, description: gallery.description, items_count: gallery.members.length })), items_data };
  },

  /** Every membership is an item: a rid held twice is listed twice. */
  'gallery.get_items': (params, ctx) => {
    const gallery = ctx.state.galleries.get(required(params, 'fid'));
    if (!gallery) throw new ApiFailure(404, 'gallery not found');
    const { slice, items_data } = page(gallery.members, params);
    return { folder: { fid: gallery.fid, name: gallery.name, items: slice.map((rid) => assetView(ctx.state.assets.get(rid)!)), items_data } };
  },

  /** `rid` is a comma-joined list (C6); `insert_position` top|bottom (default bottom). */
  'gallery.add_item': (params, ctx) => {
    const gallery = ctx.state.galleries.get(required(params, 'fid'));
    if (!gallery) throw new ApiFailure(404, 'gallery not found');
    const rids = required(params, 'rid').split(',').map((rid) => rid.trim()).filter(Boolean);
    const missing = rids.filter((rid) => !ctx.state.assets.has(rid));
    if (missing.length > 0 && ctx.settings.addItemUnknownRid === 'refuse') throw new ApiFailure(404, `assets not found: ${missing.join(',')}`);
    let adding = rids.filter((rid) => ctx.state.assets.has(rid));
    if (ctx.settings.galleryDoubles === 'dedupe') adding = [...new Set(adding)].filter((rid) => !gallery.has(rid));
    gallery.add(adding, params.insert_position === 'top' ? 'top' : 'bottom');
    return ctx.settings.dialect === 'classic' ? { added: adding.length } : {};
  },

  /**
   * Listed by Cincopa's API overview ("Removing Items from Galleries"); its parameters are not
   * documented, so they are taken as add_item's (`fid`, comma-joined `rid`). It drops every
   * membership of each rid — whether the real one drops one or all is unknown; ferry re-adds
   * once after removing, which is right either way.
   */
  'gallery.remove_item': (params, ctx) => {
    const gallery = ctx.state.galleries.get(required(params, 'fid'));
    if (!gallery) throw new ApiFailure(404, 'gallery not found');
    const rids = required(params, 'rid').split(',').map((rid) => rid.trim()).filter(Boolean);
    for (const rid of rids) gallery.remove(rid);
    return {};
  },

  'gallery.delete': (params, ctx) => {
    const gallery = ctx.state.galleries.get(required(params, 'fid'));
    if (!gallery) throw new ApiFailure(404, 'gallery not found');
    if (params.delete_assets === 'yes') for (const rid of new Set(gallery.members)) ctx.state.deleteAsset(rid);
    ctx.state.galleries.delete(gallery.fid);
    return {};
  },
};
