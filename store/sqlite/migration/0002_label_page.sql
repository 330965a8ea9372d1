-- 0002_label_page: an index that finds the rows of a few labels directly.
--
-- A page query normally walks the collection in date_added order and skips
-- the rows outside the reader's scope; when the scope admits only a few
-- rows of a large collection, that walk reads the whole index for one page.
-- This index lets such a page read just the admitted rows and sort them.
CREATE INDEX objects_label_page ON objects (collection, label_id, date_added);
